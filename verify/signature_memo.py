"""Each certificate, CRL and OCSP signature of a document verified once, not once per path.

Verifying one ES-A file validates the same paths many times: pyHanko's AdES steps for each
signature and time-stamp, and every cell of the report's matrix.  Each of those checks the
issuing CA's signature on the signer's certificate, the root's on the CA's, the CA's on its
CRL, the responder's on each OCSP response — 39 signature checks per fresh ES-A, 30 of them
repeats.  A signature check is a pure function of its inputs (the signature, the signed
bytes, the public key, the algorithm), so :class:`MemoSignatureValidator`, one per document,
answers a repeat from memory.  Only successes are kept; a failure is checked again and
raises as before.  It plugs in where pyhanko-certvalidator expects it
(``CertValidationPolicySpec.signature_validator``, ``ValidationContext(signature_validator=)``).
"""

from __future__ import annotations

from asn1crypto import algos
from asn1crypto.keys import PublicKeyInfo
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

__all__ = ["MemoSignatureValidator"]

_Key = tuple[bytes, bytes, bytes, bytes, SignatureValidationContext]


class MemoSignatureValidator(DefaultSignatureValidator):
    """pyhanko-certvalidator's signature check, remembering the signatures that verified."""

    def __init__(self) -> None:
        self._verified: set[_Key] = set()

    def validate_signature(self, signature: bytes, signed_data: bytes,
                           public_key_info: PublicKeyInfo,
                           signature_algorithm: algos.SignedDigestAlgorithm,
                           context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
                           ) -> None:
        """Verify, or recall that exactly this was verified before.

        :raises InvalidSignature: and the rest of what the default validator raises.
        """
        key = (bytes(signature), bytes(signed_data), public_key_info.dump(),
               signature_algorithm.dump(), context)
        if key in self._verified:
            return
        super().validate_signature(signature, signed_data, public_key_info,
                                   signature_algorithm, context)
        self._verified.add(key)
