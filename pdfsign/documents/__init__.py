"""The document kinds pdfsign issues: typed, validated models built from data files.

Validation lives here only: the CLI, the registry and the web UI call :func:`parse_document`
(or a model's ``from_mapping``), never their own copies of the rules.
"""

from pdfsign.documents.delegation import DelegationLetter
from pdfsign.documents.guarantee import CertificateIdentity, GuaranteeCertificate
from pdfsign.documents.ids import FileId, UserId, parse_code, parse_user_id
from pdfsign.documents.invalidation import InvalidationNotice
from pdfsign.documents.invoice import Invoice, InvoiceLine, RateTotal, check_registration_number
from pdfsign.documents.kinds import DocumentKind
from pdfsign.documents.parsing import (
    Document,
    content_digest,
    json_schema,
    load_data,
    model_for,
    parse_document,
    parse_kind,
)
from pdfsign.documents.parties import Association, Bank, Branch
from pdfsign.documents.test_slip import TestSlip

__all__ = [
    "Association",
    "Bank",
    "Branch",
    "CertificateIdentity",
    "DelegationLetter",
    "Document",
    "DocumentKind",
    "FileId",
    "GuaranteeCertificate",
    "InvalidationNotice",
    "Invoice",
    "InvoiceLine",
    "RateTotal",
    "TestSlip",
    "UserId",
    "check_registration_number",
    "json_schema",
    "content_digest",
    "load_data",
    "model_for",
    "parse_code",
    "parse_document",
    "parse_kind",
    "parse_user_id",
]
