"""Was the file's revocation data issued after the signature existed? (ETSI EN 319 102-1 §5.6.2.1)

Offline, a long-term signature rests on the revocation data it carries.  Past signature
validation slides the control time back to when that data was issued, and the proof of
existence of the signature (its earliest valid signature time-stamp) must come before it:
data issued before the signature existed cannot show that the signer was unrevoked when it
signed.  pyHanko's time slide uses each piece's "last usable" date instead of its issuance
(see its ``_update_control_time_for_unrevoked``), so a file whose DSS was filled before
signing passes there; here it is INDETERMINATE / NO_POE, naming the data and the times.

CRL and OCSP times are whole seconds (RFC 5280 §4.1.2.5.2), so "after" is judged at that
resolution: data issued within the second of the proof of existence counts as after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from asn1crypto import crl, ocsp, x509

from verify.revocation_cache import crl_issued, issued_since, ocsp_issued

__all__ = ["stale_revocation"]


def _ocsp_about(cert: x509.Certificate,
                responses: Iterable[ocsp.OCSPResponse]) -> list[datetime]:
    """Issuance times of the OCSP responses about ``cert`` (serial and issuer name hash)."""
    issued = []
    for response in responses:
        basic = response.basic_ocsp_response
        if basic is None:
            continue
        for single in basic["tbs_response_data"]["responses"]:
            cert_id = single["cert_id"]
            algorithm = cert_id["hash_algorithm"]["algorithm"].native
            if cert_id["serial_number"].native == cert.serial_number and \
                    cert_id["issuer_name_hash"].native == getattr(cert.issuer, algorithm):
                when = ocsp_issued(response)
                if when is not None:
                    issued.append(when)
    return issued


def _crls_about(cert: x509.Certificate, crls: Iterable[crl.CertificateList]) -> list[datetime]:
    """Issuance times of the CRLs of ``cert``'s issuer."""
    return [crl_issued(c) for c in crls if c.issuer == cert.issuer]


def stale_revocation(certs: Iterable[x509.Certificate], *, poe: datetime,
                     crls: Iterable[crl.CertificateList],
                     ocsps: Iterable[ocsp.OCSPResponse]) -> str | None:
    """Why the local revocation data cannot vouch for ``certs`` at ``poe``, or ``None``.

    A certificate is a problem when some data covers it and every piece of it was issued
    before ``poe``; a certificate nothing covers is left to the validator (it reports
    missing data on its own).

    :param certs: the signer's certificate and its CAs (no trust anchor).
    :param poe: the signature's proof of existence (best signature time).
    """
    crls, ocsps = list(crls), list(ocsps)
    for cert in certs:
        issued = _ocsp_about(cert, ocsps) + _crls_about(cert, crls)
        if issued and not any(issued_since(when, poe) for when in issued):
            newest = max(issued)
            return (f"the revocation data for {cert.subject.human_friendly} was issued at "
                    f"{newest.isoformat()}, before the signature's proof of existence "
                    f"({poe.isoformat()}): it cannot show the certificate unrevoked when it "
                    f"signed; verify online, or supply data issued after that time")
    return None
