"""The long-term part of an ES-A: validation data gathered *after* the proof of existence, sealed.

PAdES B-LTA (ETSI EN 319 142-1 §6.3) adds, to a B-T signature, the certificates, CRLs and
OCSP responses of the signer's and the TSA's chains (the DSS) and a document time-stamp
over everything.  The order matters.  ETSI EN 319 102-1's past signature validation
(§5.6.2.1) uses embedded revocation data only when it was issued after the proof of
existence of what it vouches for; data gathered before signing, as pyHanko's one-pass
B-LTA does, cannot show that the signer was unrevoked when it signed, and a validator with
no network then has nothing to go on.  So:

1. sign and take the signature time-stamp (:mod:`pdfsign.signing.pades`, at B-T);
2. gather revocation data for every certificate of both chains, each piece issued after
   that time-stamp's ``genTime`` plus the grace period (:func:`async_seal`; CRL and OCSP
   times are whole seconds, so "after" is judged at that resolution:
   :func:`verify.revocation_cache.issued_since`);
3. write the DSS and the document time-stamp in one revision.

Renewal (:func:`async_renew`) is the same step for a file that already has one: the
validation data of the newest time-stamp's chain, issued after that time-stamp, then a new
document time-stamp (ETSI EN 319 142-1 §5.5, the archive time-stamp chain).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from io import BytesIO
from typing import Protocol

from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper, TimestampDSSContentSettings
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from pdfsign.errors import InputError, TimestampError
from verify.revocation_cache import crl_issued, issued_since, ocsp_issued

__all__ = ["ARCHIVE_DIGEST", "FreshContextFactory", "async_renew", "async_seal"]

#: The digest of document time-stamps (the archive time-stamp chain).
ARCHIVE_DIGEST = "sha256"
#: No VRI (deprecated in PAdES baseline, ETSI EN 319 142-1 §5.4.2.2), and the DSS written in
#: the document time-stamp's own revision, so the time-stamp covers it.
_DSS_WITH_TS = TimestampDSSContentSettings(include_vri=False, update_before_ts=True)
#: How long to wait, beyond the grace period, for revocation data issued after the proof of
#: existence (a responder that publishes a CRL a second is answered at the next try).
_FRESHNESS_PATIENCE = timedelta(seconds=5)
#: The shortest wait between two tries.
_RETRY_PAUSE = timedelta(milliseconds=250)


class FreshContextFactory(Protocol):
    """Makes a validation context whose fetchers serve only data issued after ``fresh_after``
    (:meth:`pdfsign.signing.SigningServices.validation_context`)."""

    def __call__(self, *, fresh_after: datetime | None = None) -> ValidationContext: ...


def _gen_time(token: cms.SignedData) -> datetime:
    """``genTime`` of an RFC 3161 token (§2.4.2)."""
    gen_time: datetime = token["encap_content_info"]["content"].parsed["gen_time"].native
    return gen_time


def _stale(context: ValidationContext, floor: datetime) -> dict[str, datetime]:
    """The revocation data of ``context`` issued before ``floor``: description → issued."""
    stale: dict[str, datetime] = {}
    for response in context.ocsps:
        issued = ocsp_issued(response)
        if issued is not None and not issued_since(issued, floor):
            serial = response.basic_ocsp_response["tbs_response_data"]["responses"][0][
                "cert_id"]["serial_number"].native
            stale[f"OCSP response for serial {serial:x} issued {issued.isoformat()}"] = issued
    for crl in context.crls:
        if not issued_since(crl_issued(crl), floor):
            stale[f"CRL of {crl.issuer.human_friendly} issued {crl_issued(crl).isoformat()}"] \
                = crl_issued(crl)
    return stale


async def _validate_signer_of(signed_data: cms.SignedData,
                              context: ValidationContext) -> ValidationPath:
    """Validate the certificate that signed ``signed_data`` (a signer's or a TSA's), gathering
    the revocation data of its chain into ``context``."""
    info = extract_certificate_info(signed_data)
    validator = CertificateValidator(info.signer_cert, intermediate_certs=info.other_certs,
                                     validation_context=context)
    path: ValidationPath = await validator.async_validate_usage(  # type: ignore[no-untyped-call]
        key_usage=set())
    return path


Collector = Callable[[ValidationContext], Awaitable[list[ValidationPath]]]


async def _fresh(collect: Collector, factory: FreshContextFactory, floor: datetime,
                 grace: timedelta) -> tuple[ValidationContext, list[ValidationPath]]:
    """Validate with a context that has only data issued after ``floor``; when a responder
    answers with older data (a CRL published before the time-stamp, a grace period not yet
    over), wait for the next and ask again, up to ``grace`` + :data:`_FRESHNESS_PATIENCE`.

    :raises TimestampError: no fresh enough data came in time, naming what was stale.
    """
    waited, patience = timedelta(0), _FRESHNESS_PATIENCE + grace
    while True:
        context = factory(fresh_after=floor)
        paths = await collect(context)
        stale = _stale(context, floor)
        if not stale:
            return context, paths
        await context.aclose()  # type: ignore[no-untyped-call]
        if waited >= patience:
            raise TimestampError(
                f"no revocation data issued after {floor.isoformat()} (the time-stamp plus the "
                f"grace period) could be had: {'; '.join(stale)}", field="revocation")
        # the responders' clock, not ours, says how far the grace period still runs
        pause = min(max(floor - max(stale.values()), _RETRY_PAUSE), patience - waited)
        await asyncio.sleep(pause.total_seconds())
        waited += pause


async def _timestamp(pdf: bytes, context: ValidationContext, paths: list[ValidationPath],
                     timestamper: TimeStamper) -> bytes:
    """Write the DSS (``paths`` and ``context``'s revocation data) and a document time-stamp
    in one incremental revision."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    output = BytesIO()
    await PdfTimeStamper(timestamper).async_timestamp_pdf(
        writer, ARCHIVE_DIGEST, context, validation_paths=paths, output=output,
        dss_settings=_DSS_WITH_TS)
    return output.getvalue()


async def _with_fresh_data(pdf: bytes, collect: Collector, *, floor: datetime,
                           factory: FreshContextFactory, timestamper: TimeStamper,
                           grace: timedelta = timedelta(0)) -> bytes:
    context, paths = await _fresh(collect, factory, floor, grace)
    try:
        return await _timestamp(pdf, context, paths, timestamper)
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]


def _document_timestamps(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    """The file's document time-stamps, oldest first (one pass of pyHanko's reader)."""
    return [s for s in reader.embedded_signatures if s.sig_object_type == "/DocTimeStamp"]


async def async_seal(signed: bytes, *, signature: cms.SignedData,
                     earlier: Sequence[cms.SignedData] = (), timestamper: TimeStamper,
                     factory: FreshContextFactory, grace: timedelta = timedelta(0)) -> bytes:
    """Turn a just-made B-T signature into B-LTA: steps 2 and 3 above.

    The signature is given as its CMS, as signing made it: reading it back from the PDF
    would tokenize every ``/Contents`` again (a third of an ES-A's time in pyHanko's reader).

    :param signed: the PDF with the signature, ``signature`` its last one.
    :param earlier: the document time-stamps the file already had (an approval signature
        added to an ES-A): their TSAs' data is gathered too, so the archive time-stamp
        chain stays unbroken.
    :param grace: how long after the signature time-stamp the data must be issued.
    :raises InputError: the signature has no signature time-stamp.
    :raises TimestampError: no fresh revocation data, or the TSA refused.
    """
    tokens = list(extract_tst_data_iter(signature["signer_infos"][0], signed=False))
    if not tokens:
        raise InputError("the signature has no signature time-stamp to seal", field="pdf")

    async def collect(context: ValidationContext) -> list[ValidationPath]:
        # the signer's chain, then each time-stamp's TSA (pyHanko's collect_validation_info
        # does the same from a parsed PDF signature)
        return [await _validate_signer_of(data, context)
                for data in (signature, *tokens, *earlier)]

    floor = max(_gen_time(t) for t in tokens) + grace
    return await _with_fresh_data(signed, collect, floor=floor, factory=factory,
                                  timestamper=timestamper, grace=grace)


async def async_renew(pdf: bytes, *, timestamper: TimeStamper,
                      factory: FreshContextFactory) -> bytes:
    """Extend the archive time-stamp chain of a B-LTA file: the validation data of its newest
    document time-stamp's chain, issued after that time-stamp, and a new document time-stamp,
    as an incremental update (ETSI EN 319 142-1 §5.5).

    :raises InputError: the file has no document time-stamp (not an ES-A).
    :raises TimestampError: no fresh revocation data, or the TSA refused.
    """
    reader = PdfFileReader(BytesIO(pdf))
    doc_ts = _document_timestamps(reader)
    if not doc_ts:
        raise InputError("not an ES-A: the file has no document time-stamp to renew",
                         field="pdf")
    newest = doc_ts[-1].signed_data

    async def collect(context: ValidationContext) -> list[ValidationPath]:
        return [await _validate_signer_of(newest, context)]

    return await _with_fresh_data(pdf, collect, floor=_gen_time(newest), factory=factory,
                                  timestamper=timestamper)
