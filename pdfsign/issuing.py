"""The issuing use cases: documents → render → sign → registry → notify.  CLI and web UI call
only these.

An :class:`Issuer` holds what is expensive to build — the opened registry, the
opened signer (a parsed key, or a token session), the TSA client and its validation
contexts, WeasyPrint's warm fonts — so a process builds it once and issues many documents
with it (the batch workers do exactly that).  Every function takes the time as ``at``; the PDF's
signature time-stamp comes from the TSA, so a later issue always carries a later
time-stamp.  Each new version's upload notifications are written to the outbox in the
version's own transaction (:class:`pdfsign.notify.Notifications`, the registry's version hook).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pikepdf

from pdfsign.config import Settings
from pdfsign.documents import (
    CertificateIdentity,
    DelegationLetter,
    Document,
    GuaranteeCertificate,
    InvalidationNotice,
    Invoice,
    TestSlip,
    content_digest,
    parse_code,
    parse_document,
)
from pdfsign.documents.ids import BANK_WIDTH, BRANCH_WIDTH
from pdfsign.errors import ConflictError, InputError
from pdfsign.keys import open_signer
from pdfsign.notify import Notifications
from pdfsign.notify.webhooks import enqueue_event
from pdfsign.registry import (
    JST,
    FileInfo,
    NewFile,
    Registry,
    VersionInfo,
)
from pdfsign.registry.store import VersionHook
from pdfsign.render import render_pdf
from pdfsign.signing import (
    Level,
    PadesSigner,
    SigningServices,
    sign_pdf,
    signing_services_from,
)

__all__ = [
    "INVALIDATION_WORDING",
    "Issuer",
    "file_id_for",
    "invalidate",
    "issue",
    "mark_repaid",
    "new_file_for",
    "preview_pdf",
    "reissue",
    "subrogate",
    "transfer",
]

#: What the notice prints as the reason, per ``--reason``.
INVALIDATION_WORDING = {
    "cancelled": "融資実行の取消しによる無効",
    "paper-reissue": "書面による再発行に伴う無効",
}
#: The document-information key naming the certificate version a notice invalidates.
INVALIDATES_KEY = "/InvalidatesSHA256"


@dataclass(frozen=True)
class Issuer:
    """A warm issuing context: registry, signer and TSA, built once per process."""

    registry: Registry
    signer: PadesSigner
    services: SigningServices
    #: Who is acting (goes into every version and audit entry).
    actor: str
    #: How upload notifications and webhook events are written with each version;
    #: ``None``: none are.
    notify: Notifications | None = Notifications()

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True,
             at: dt.datetime | None = None) -> Issuer:
        """Open the registry and the signer named in ``settings``, through its PIN lock.

        :param at: when (the signer's certificate must be valid then); default now.
        :raises WrongPinError: wrong signing PIN.
        :raises SignerLockedError: the signer is locked.
        :raises SignerCertificateError: its certificate is expired or names another signer.
        :raises ConfigurationError: unreadable PKI folder or database.
        """
        registry = Registry.open(settings, migrate=migrate)
        signer = open_signer(settings, registry, pin=settings.pin, actor=settings.actor,
                             at=at or dt.datetime.now(dt.UTC))
        return cls(registry, signer, signing_services_from(settings), settings.actor,
                   Notifications.from_settings(settings))

    @property
    def on_version(self) -> VersionHook | None:
        """The registry's version hook that writes the notifications (if any)."""
        return self.notify.on_version if self.notify is not None else None

    def produce(self, document: Document, *, at: dt.datetime,
                info: Mapping[str, str] | None = None) -> bytes:
        """Render ``document`` and sign it at its kind's level (ES-T or ES-A).

        :param info: extra document-information entries written before signing.
        """
        pdf = render_pdf(document, created_at=at)
        if info:
            pdf = _with_info(pdf, info)
        return sign_pdf(pdf, signer=self.signer, level=Level(document.kind.level),
                        timestamper=self.services.timestamper,
                        validation_context_factory=self.services.validation_context, at=at,
                        reason=f"{document.title_ja}の発行", grace=self.services.grace)


def file_id_for(document: Document) -> str:
    """The registry file ID of ``document``: DOMAIN.md's for the guarantee family, else stable.

    Test slips are one per branch (``TS_AA_BBBBCCC``); invoices are named by registration
    number and invoice number (or date and content hash); delegation letters by date and
    content hash — so the same data always maps to the same file ID.
    """
    if isinstance(document, CertificateIdentity):
        return document.file_id.stem
    if isinstance(document, TestSlip):
        return f"TS_{document.association.code}_{document.bank.code}{document.branch.code}"
    digest = content_digest(document)[:12]
    if isinstance(document, Invoice):
        number = "".join(c for c in (document.invoice_number or "") if c.isalnum())
        tail = number or f"{document.issue_date:%Y%m%d}_{digest}"
        return f"INV_{document.registration_number}_{tail}"
    assert isinstance(document, DelegationLetter)
    return f"DL_{document.creation_date:%Y%m%d}_{digest}"


def new_file_for(document: Document) -> NewFile:
    """The registry metadata (search fields, access) of a document about to be issued."""
    if isinstance(document, InvalidationNotice):
        raise InputError("invalidation notices are made by 'invalidate', not issued",
                         field="kind")
    file_id, kind = file_id_for(document), document.kind.value
    if isinstance(document, GuaranteeCertificate):
        return NewFile(file_id, kind, association_code=document.association.code,
                       bank_code=document.bank.code, branch_code=document.branch.code,
                       customer_number=document.customer_number,
                       guarantee_number=document.guarantee_number,
                       change_number=document.change_number, customer_name=document.debtor_name,
                       guarantee_date=document.guarantee_date)
    if isinstance(document, TestSlip):
        return NewFile(file_id, kind, association_code=document.association.code,
                       bank_code=document.bank.code, branch_code=document.branch.code)
    return NewFile(file_id, kind, association_code="", bank_code="", branch_code="")


def preview_pdf(data: Mapping[str, Any], *, issue_count: int, at: dt.datetime) -> bytes:
    """The unsigned PDF ``data`` would be issued as with ``issue_count``: a look before signing.

    :raises InputError: invalid data.
    """
    return render_pdf(_with_count(parse_document(data), issue_count), created_at=at)


def issue(issuer: Issuer, data: Mapping[str, Any], *, at: dt.datetime,
          idempotency_key: str | None = None) -> VersionInfo:
    """Issue a new document from its data: version 1, issue count 1.

    :param data: the data file's JSON object (validated by :func:`parse_document`).
    :param idempotency_key: re-running with the same key returns the first result.
    :raises InputError: invalid data.
    :raises AlreadyIssuedError, UnknownBankError, AgreementWindowError: refused.
    """
    document = _with_count(parse_document(data), 1)
    return issuer.registry.issue(
        new_file_for(document), lambda _count: issuer.produce(document, at=at),
        actor=issuer.actor, at=at, idempotency_key=idempotency_key,
        meta={"data": _stored_data(data)}, on_version=issuer.on_version)


def reissue(issuer: Issuer, data: Mapping[str, Any], *, at: dt.datetime,
            file_id: str | None = None, expected_version: int | None = None) -> VersionInfo:
    """Re-issue a file from corrected data: same file ID, issue count + 1, fresh time-stamp.

    :param file_id: the file to overwrite; default the ID the data maps to.  Needed after a
        transfer, when the corrected data names the new bank but the file ID keeps the old one.
    :param expected_version: the version the corrections were made on (a form carries it).
    :raises UnknownFileError: the file ID was never issued.
    :raises FileStateError: the file is invalidated, repaid, subrogated or purged.
    :raises ChangedMeanwhileError: someone changed the file after ``expected_version``.
    """
    document = parse_document(data)
    corrected = new_file_for(document)
    if file_id is not None:
        corrected = dataclasses.replace(corrected, file_id=file_id)

    def produce(_file: FileInfo, count: int) -> bytes:
        return issuer.produce(_with_count(document, count), at=at)

    return issuer.registry.reissue(corrected.file_id, produce, actor=issuer.actor, at=at,
                                   corrected=corrected, meta={"data": _stored_data(data)},
                                   expected_version=expected_version,
                                   on_version=issuer.on_version)


def invalidate(issuer: Issuer, file_id: str, *, reason: str, at: dt.datetime,
               expected_version: int | None = None) -> VersionInfo:
    """Overwrite a certificate with an ES-T invalidation notice naming it.

    The notice's document information carries the SHA-256 of the version it invalidates
    (``/InvalidatesSHA256``); the registry keeps it in the version's metadata too.

    :param reason: ``cancelled`` or ``paper-reissue``.
    :param expected_version: the version the caller saw as current.
    :raises FileStateError: not an active certificate.
    :raises ChangedMeanwhileError: someone changed the file after ``expected_version``.
    """
    def produce(_file: FileInfo, current: VersionInfo) -> bytes:
        source = current.meta.get("data")
        if not isinstance(source, dict):
            raise ConflictError(f"{file_id} version {current.number} has no source data to "
                                "build a notice from", field="file_id")
        certificate = _with_count(parse_document(source), current.issue_count)
        assert isinstance(certificate, GuaranteeCertificate)
        notice = InvalidationNotice.for_certificate(
            certificate, sending_date=at.astimezone(JST).date(),
            reason=INVALIDATION_WORDING.get(reason))
        return issuer.produce(notice, at=at, info={INVALIDATES_KEY: current.sha256})

    return issuer.registry.invalidate(file_id, reason, produce, actor=issuer.actor, at=at,
                                      expected_version=expected_version,
                                      on_version=issuer.on_version)


def transfer(registry: Registry, file_id: str, *, bank_code: str, branch_code: str,
             actor: str, at: dt.datetime, expected_version: int | None = None) -> FileInfo:
    """Move a certificate's access to another bank/branch; the file ID stays.

    Lifecycle changes sign nothing, so they take the registry, not a (signing) issuer.  The
    ``transferred`` webhook event is written in the transfer's transaction.

    :raises InputError: malformed codes.
    :raises UnknownBankError: no agreement with that bank.
    """
    return registry.transfer(
        file_id, bank_code=parse_code(bank_code, width=BANK_WIDTH, field="bank_code"),
        branch_code=parse_code(branch_code, width=BRANCH_WIDTH, field="branch_code"),
        actor=actor, at=at, expected_version=expected_version, on_change=enqueue_event)


def mark_repaid(registry: Registry, file_id: str, *, on: dt.date, actor: str,
                at: dt.datetime, expected_version: int | None = None) -> FileInfo:
    """Record full repayment on ``on``; the file is deleted about two years later."""
    return registry.mark_repaid(file_id, on=on, actor=actor, at=at,
                                expected_version=expected_version)


def subrogate(registry: Registry, file_id: str, *, on: dt.date, actor: str,
              at: dt.datetime, expected_version: int | None = None) -> FileInfo:
    """Record subrogation paid on ``on``; the bank loses access from that day."""
    return registry.subrogate(file_id, on=on, actor=actor, at=at,
                              expected_version=expected_version)


def _with_count(document: Document, count: int) -> Document:
    """The document with its electronic issue count set (only certificates print one)."""
    if isinstance(document, GuaranteeCertificate):
        return dataclasses.replace(document, issue_count=count)
    return document


def _stored_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The source data as kept with the version (JSON round-tripped; the issue count is the
    version's own, so a stale one in the data is dropped)."""
    stored: dict[str, Any] = json.loads(json.dumps(dict(data), ensure_ascii=False, default=str))
    stored.pop("issue_count", None)
    return stored


def _with_info(pdf: bytes, info: Mapping[str, str]) -> bytes:
    """Add document-information entries to an unsigned PDF."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for key, value in info.items():
            document.docinfo[pikepdf.Name(key)] = value
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
