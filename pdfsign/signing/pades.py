"""Sign a PDF at PAdES B-T (ES-T) or B-LTA (ES-A): one core function over pyHanko.

The signing itself is pyHanko's (``PdfSigner`` and its signing session); this
module only chooses the settings each level needs, sizes the signature space
once instead of letting pyHanko sign twice, and turns pyHanko's exceptions
into the product's errors.  Every signature is made at B-T; an ES-A then gets its
validation data and document time-stamp from :mod:`pdfsign.signing.archival`, gathered
after the signature time-stamp (why there is no one-pass B-LTA is said there).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko.sign.signers.pdf_signer import (
    PdfSignatureMetadata,
    PdfSigner,
    PdfSigningSession,
    PreSignValidationStatus,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from pdfsign.errors import InputError, PdfsignError, SigningError, TimestampError
from pdfsign.signing.archival import FreshContextFactory, async_seal
from pdfsign.signing.levels import Level
from pdfsign.signing.pades_signer import PadesSigner

__all__ = [
    "DEFAULT_FIELD_NAME",
    "DIGEST_ALGORITHM",
    "ValidationContextFactory",
    "async_sign_pdf",
    "sign_pdf",
]

#: The message digest of signatures and time-stamps (PAdES baseline forbids SHA-1).
DIGEST_ALGORITHM = "sha256"
#: The signature field created when the caller names none.
DEFAULT_FIELD_NAME = "Signature1"

#: Extra signature space (DER bytes) over a tight estimate: the TSA's answer varies a few
#: bytes between tokens (serial number, nonce, genTime fraction, ECDSA signature length).
_TOKEN_SLACK = 128

#: Makes the ``ValidationContext`` for one signature: trust roots and revocation fetchers,
#: optionally serving only data issued after a given time (for the ES-A's DSS).
ValidationContextFactory = FreshContextFactory


@dataclass(frozen=True)
class _Details:
    """The signature dictionary's descriptive entries."""

    field_name: str
    reason: str | None
    location: str | None


def _metadata(context: ValidationContext, details: _Details, *,
              certify: bool) -> PdfSignatureMetadata:
    """pyHanko's settings for the B-T signature every level starts with.

    The signer's certificate is validated before signing (revocation included), so an
    expired, revoked or untrusted signer cannot sign; that check's data is not embedded.

    The first signature of a document certifies it with DocMDP P=2 (form filling
    and signing allowed): the issuer is the document's author, and viewers then
    flag any later change except what PAdES needs, the DSS and document
    time-stamps (ISO 32000-2 §12.8.2.2, ETSI EN 319 142-1 §5.4).  P=1 ("no
    changes") is *not* used: Acrobat counts the B-LTA document time-stamp as a
    forbidden change.  A PDF already signed gets an approval signature, since a
    certification signature must be the first one.
    """
    return PdfSignatureMetadata(
        field_name=details.field_name,
        md_algorithm=DIGEST_ALGORITHM,
        reason=details.reason,
        location=details.location,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        validation_context=context,
    )


async def _reserve(session: PdfSigningSession, signer: Signer, timestamper: TimeStamper,
                   validation: PreSignValidationStatus | None) -> int:
    """Hex digits to reserve for the signature container.

    pyHanko sizes the container with a dry run and adds 50 %.  A
    :class:`PadesSigner` answers the dry run without signing, and remembers
    the tight size per time-stamp token length (pyHanko caches the TSA's sample
    token), so later signatures skip the dry run; a small slack covers the few
    bytes by which real tokens differ from the sample.
    """
    if not isinstance(signer, PadesSigner):
        estimate: int = await session.estimate_signature_container_size(validation)
        return estimate
    sample = await timestamper.async_dummy_response(session.md_algorithm)
    key = (session.md_algorithm, len(sample.dump()))
    if key not in signer.container_sizes:
        tight: int = await session.estimate_signature_container_size(validation, tight=True)
        signer.container_sizes[key] = tight // 2
    return 2 * (signer.container_sizes[key] + _TOKEN_SLACK)


async def _sign_session(writer: IncrementalPdfFileWriter, pdf_signer: PdfSigner,
                        timestamper: TimeStamper, at: datetime) -> tuple[bytes, cms.SignedData]:
    """Run pyHanko's signing session (its interrupted-signing API) with ``at`` as signing time.

    :return: the signed PDF and the signature's CMS.
    """
    session = pdf_signer.init_signing_session(writer)
    session.system_time = at
    validation = await session.perform_presign_validation(writer)
    reserved = await _reserve(session, pdf_signer.signer, timestamper, validation)
    tbs = session.prepare_tbs_document(validation_info=validation, bytes_reserved=reserved)
    prepared, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=at),
    )
    await post.post_signature_processing(output)
    output.seek(0)
    signed: bytes = output.read()
    signature = cms.ContentInfo.load(post.sig_contents)  # the DER written into /Contents
    return signed, signature["content"]


def _explain(exc: BaseException) -> str:
    """The exception's message followed by its causes', for one readable line."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 4:
        text = str(current).strip()
        if text and text not in parts:
            parts.append(text)
        current = current.__cause__
    return ": ".join(parts) or type(exc).__name__


def _translate(exc: Exception) -> PdfsignError:
    """The product error for a failure inside pyHanko's signing session.

    pyHanko wraps a failed certificate validation in its ``SigningError``; the
    cause tells which.  ``ValueError`` comes from asn1crypto when an HTTP TSA
    answers with a rejection that has no token (see ``.notes/tsa-ready.md``).
    """
    causes = (exc, exc.__cause__)
    if isinstance(exc, TimestampRequestError):
        return TimestampError(f"the TSA refused the request: {_explain(exc)}", field="tsa")
    if any(isinstance(c, PathBuildingError | PathValidationError) for c in causes):
        return SigningError(f"a certificate could not be validated: {_explain(exc)}",
                            field="signer")
    if isinstance(exc, OSError):
        return TimestampError(f"cannot reach the TSA or a revocation service: {exc}",
                              field="tsa")
    if isinstance(exc, ValueError):
        return TimestampError(f"unreadable answer from the TSA: {exc}", field="tsa")
    return SigningError(_explain(exc), field="signature")


async def async_sign_pdf(
    pdf: bytes,
    *,
    signer: Signer,
    level: Level,
    timestamper: TimeStamper,
    validation_context_factory: ValidationContextFactory,
    at: datetime,
    field_name: str = DEFAULT_FIELD_NAME,
    reason: str | None = None,
    location: str | None = None,
    grace: timedelta = timedelta(0),
) -> bytes:
    """Sign ``pdf`` at ``level``; the coroutine behind :func:`sign_pdf`.

    :param pdf: the document, a complete PDF file.
    :param signer: who signs, usually from :func:`pdfsign.signing.signers.load_signer`.
    :param level: :attr:`Level.ES_T` (B-T) or :attr:`Level.ES_A` (B-LTA).
    :param timestamper: the TSA client for the signature (and document) time-stamps.
    :param validation_context_factory: makes a fresh ``ValidationContext`` (trust roots,
        revocation fetchers) for this signature; it is closed when signing ends.  For an
        ES-A it is asked again, with ``fresh_after``, for the data of the DSS.
    :param at: the signing time claimed in the signature dictionary (``/M``), tz-aware;
        the proven time is the TSA's.
    :param field_name: the signature field; created unless the PDF has an empty one of that name.
    :param reason: ``/Reason`` of the signature, e.g. 「保証書の発行」.
    :param location: ``/Location`` of the signature.
    :param grace: ES-A only: how long after the signature time-stamp the embedded
        revocation data must be issued (the ETSI grace period).
    :return: the signed PDF (the input plus incremental updates).
    :raises InputError: ``pdf`` is not a readable PDF.
    :raises SigningError: the signer's certificate does not validate (expired, revoked,
        untrusted) or pyHanko refuses the document (e.g. the field is already signed).
    :raises TimestampError: the TSA refused or could not be reached.
    """
    if at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
    except (PdfError, ValueError) as exc:
        raise InputError(f"not a readable PDF: {exc}", field="pdf") from None
    context = validation_context_factory()
    existing = writer.prev.embedded_signatures
    earlier = [s.signed_data for s in existing if s.sig_object_type == "/DocTimeStamp"]
    metadata = _metadata(context, _Details(field_name, reason, location),
                         certify=not existing)
    pdf_signer = PdfSigner(metadata, signer, timestamper=timestamper)
    try:
        signed, signature = await _sign_session(writer, pdf_signer, timestamper, at)
        if level.long_term:
            signed = await async_seal(signed, signature=signature, earlier=earlier,
                                      timestamper=timestamper,
                                      factory=validation_context_factory, grace=grace)
    except (TimestampRequestError, PathBuildingError, PathValidationError, PyHankoSigningError,
            PdfError, OSError, ValueError) as exc:
        raise _translate(exc) from exc
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    return signed


def sign_pdf(
    pdf: bytes,
    *,
    signer: Signer,
    level: Level,
    timestamper: TimeStamper,
    validation_context_factory: ValidationContextFactory,
    at: datetime,
    field_name: str = DEFAULT_FIELD_NAME,
    reason: str | None = None,
    location: str | None = None,
    grace: timedelta = timedelta(0),
) -> bytes:
    """Sign ``pdf`` at ``level`` (PAdES B-T or B-LTA) and return the signed bytes.

    The signature uses SubFilter ``ETSI.CAdES.detached`` and SHA-256 and always
    carries a signature time-stamp (B-T).  For :attr:`Level.ES_A` the
    certificates, CRLs and OCSP responses of the signer's chain and of the TSA's
    chain, as gathered by the validation context's fetchers (in-process or over
    HTTP), go into the DSS, sealed by a document time-stamp (B-LTA).  Either way
    the signer's certificate is validated first (revocation included), so an
    expired, revoked or untrusted signer cannot sign.  The first signature
    certifies the document with DocMDP P=2; see :func:`_metadata` for why not P=1.
    The ES-A's validation data is issued after the signature time-stamp (plus ``grace``),
    see :mod:`pdfsign.signing.archival`.

    This runs its own event loop; from async code, await :func:`async_sign_pdf`.
    Parameters, return value and errors are :func:`async_sign_pdf`'s.
    """
    return asyncio.run(async_sign_pdf(
        pdf, signer=signer, level=level, timestamper=timestamper,
        validation_context_factory=validation_context_factory, at=at,
        field_name=field_name, reason=reason, location=location, grace=grace,
    ))
