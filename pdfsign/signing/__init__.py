"""PAdES signing: ES-T (B-T) and ES-A (B-LTA) over pyHanko, with the bundled or an HTTP TSA."""

from pdfsign.signing.levels import Level, parse_level
from pdfsign.signing.pades import (
    DEFAULT_FIELD_NAME,
    DIGEST_ALGORITHM,
    ValidationContextFactory,
    async_sign_pdf,
    sign_pdf,
)
from pdfsign.signing.signers import (
    ParsedKeySigner,
    SigningKey,
    load_signer,
    signer_names,
    signer_path,
)
from pdfsign.signing.timestamping import (
    SigningServices,
    load_trust_root,
    signing_services,
    signing_services_from,
)

__all__ = [
    "DEFAULT_FIELD_NAME",
    "DIGEST_ALGORITHM",
    "Level",
    "ParsedKeySigner",
    "SigningKey",
    "SigningServices",
    "ValidationContextFactory",
    "async_sign_pdf",
    "load_signer",
    "signer_names",
    "signer_path",
    "load_trust_root",
    "parse_level",
    "sign_pdf",
    "signing_services",
    "signing_services_from",
]
