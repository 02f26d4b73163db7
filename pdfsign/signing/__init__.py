"""PAdES signing: ES-T (B-T) and ES-A (B-LTA) over pyHanko, with the bundled or an HTTP TSA,
by a key in a PKCS#12 file or on a PKCS#11 token, opened through :func:`load_signer`."""

from pdfsign.signing.guard import SignerGuard, SignerRef
from pdfsign.signing.levels import Level, parse_level
from pdfsign.signing.lifecycle import (
    CERTIFICATE_LIFETIME,
    EXPIRY_NOTICE,
    RegisteredName,
    certificate_problem,
    expires_soon,
)
from pdfsign.signing.pades import (
    DEFAULT_FIELD_NAME,
    DIGEST_ALGORITHM,
    ValidationContextFactory,
    async_sign_pdf,
    sign_pdf,
)
from pdfsign.signing.pades_signer import PadesSigner
from pdfsign.signing.pkcs11_uri import Pkcs11Uri, is_pkcs11_uri, parse_pkcs11_uri
from pdfsign.signing.signers import (
    ParsedKeySigner,
    SigningKey,
    load_signer,
    open_key,
    resolve_signer,
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
    "CERTIFICATE_LIFETIME",
    "DEFAULT_FIELD_NAME",
    "DIGEST_ALGORITHM",
    "EXPIRY_NOTICE",
    "Level",
    "PadesSigner",
    "ParsedKeySigner",
    "Pkcs11Uri",
    "RegisteredName",
    "SignerGuard",
    "SignerRef",
    "SigningKey",
    "SigningServices",
    "ValidationContextFactory",
    "async_sign_pdf",
    "certificate_problem",
    "expires_soon",
    "is_pkcs11_uri",
    "load_signer",
    "load_trust_root",
    "open_key",
    "parse_level",
    "parse_pkcs11_uri",
    "resolve_signer",
    "sign_pdf",
    "signer_names",
    "signer_path",
    "signing_services",
    "signing_services_from",
]
