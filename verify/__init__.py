"""Validation of signed PDFs and verification reports; needs only the PDF and trust roots.

Never imports ``pdfsign``: an auditor's machine has only the PDF and the trust anchors.
"""

from verify.batch import default_workers, expand_paths, iter_reports, verify_paths
from verify.document import verify_pdf
from verify.errors import TrustInputError, UnreadablePathError, VerifyError
from verify.report import (
    LEVEL_NAMES,
    SCHEMA_VERSION,
    CellStatus,
    DocumentReport,
    Level,
    ServiceFailure,
    SignatureFinding,
    TimestampFinding,
    Verdict,
    VerificationRun,
)
from verify.revocation_cache import RevocationCache
from verify.trust import TrustSettings, load_trust_settings

__all__ = [
    "LEVEL_NAMES",
    "SCHEMA_VERSION",
    "CellStatus",
    "DocumentReport",
    "Level",
    "RevocationCache",
    "ServiceFailure",
    "SignatureFinding",
    "TimestampFinding",
    "TrustInputError",
    "TrustSettings",
    "UnreadablePathError",
    "Verdict",
    "VerificationRun",
    "VerifyError",
    "default_workers",
    "expand_paths",
    "iter_reports",
    "load_trust_settings",
    "verify_paths",
    "verify_pdf",
]
