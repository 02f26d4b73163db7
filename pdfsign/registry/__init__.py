"""The issuing registry: files, their versions, lifecycle, retention, search and the audit log.

:class:`Registry` is the store; the lifecycle, retention, search and access
rules are functions over it.  Front ends call :mod:`pdfsign.issuing`, which
renders and signs and hands the bytes to the registry.
"""

from pdfsign.registry.access import may_see, recipient_pdf, require_visible
from pdfsign.registry.audit import AuditReport
from pdfsign.registry.audit_trail import (
    AUDIT_PAGE_SIZE,
    AuditEntry,
    AuditPage,
    AuditQuery,
    audit_page,
)
from pdfsign.registry.banks import BankInfo, list_banks, set_bank
from pdfsign.registry.blob_folder import FolderBlobs
from pdfsign.registry.blobs import BlobStore, CorruptBlobError, StoreUnavailableError
from pdfsign.registry.database import Database, open_database
from pdfsign.registry.errors import (
    AgreementWindowError,
    AlreadyIssuedError,
    ChangedMeanwhileError,
    FileStateError,
    UnknownBankError,
    UnknownFileError,
    VersionPurgedError,
)
from pdfsign.registry.lifecycle import INVALIDATION_REASONS, JST
from pdfsign.registry.records import GUARANTEE_FAMILY, FileInfo, NewFile, RenewalInfo, VersionInfo
from pdfsign.registry.retention import PurgeItem, PurgeReport, purge
from pdfsign.registry.search import (
    CAP_MESSAGE,
    CSV_COLUMNS,
    PAGE_SIZE,
    RESULT_CAP,
    ZIP_LIST_NAME,
    SearchQuery,
    SearchResult,
    export_zip,
    files_csv,
    matching,
    search,
    uploads,
)
from pdfsign.registry.store import Registry

__all__ = [
    "AUDIT_PAGE_SIZE",
    "CAP_MESSAGE",
    "CSV_COLUMNS",
    "GUARANTEE_FAMILY",
    "INVALIDATION_REASONS",
    "JST",
    "PAGE_SIZE",
    "RESULT_CAP",
    "AgreementWindowError",
    "AlreadyIssuedError",
    "AuditEntry",
    "AuditPage",
    "AuditQuery",
    "AuditReport",
    "BankInfo",
    "BlobStore",
    "ChangedMeanwhileError",
    "CorruptBlobError",
    "Database",
    "FileInfo",
    "FileStateError",
    "FolderBlobs",
    "NewFile",
    "PurgeItem",
    "PurgeReport",
    "Registry",
    "RenewalInfo",
    "SearchQuery",
    "SearchResult",
    "StoreUnavailableError",
    "UnknownBankError",
    "UnknownFileError",
    "VersionInfo",
    "VersionPurgedError",
    "ZIP_LIST_NAME",
    "audit_page",
    "export_zip",
    "files_csv",
    "list_banks",
    "matching",
    "may_see",
    "open_database",
    "purge",
    "recipient_pdf",
    "require_visible",
    "search",
    "set_bank",
    "uploads",
]
