"""The bundled RFC 3161 time-stamp authority and the test PKI's CRL and OCSP services."""

__all__: list[str] = []
