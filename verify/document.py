"""Verify one PDF file: structure, every signature and timestamp, reference times, the report.

A broken file becomes a report with verdict ``malformed`` and the reason, never an exception,
so one bad file never stops the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import re
import struct
import zlib
from datetime import datetime

from asn1crypto import parser as asn1_parser
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec

from verify.contents import preload_signature_dictionaries
from verify.coverage import coverage_problem, with_coverage
from verify.evidence import Evidence, read_evidence
from verify.lta import PassedTimestamps
from verify.report import (
    CellStatus,
    DocumentReport,
    Level,
    Problem,
    ReferenceTime,
    SignatureFinding,
    TimestampFinding,
    Verdict,
)
from verify.revocation_cache import RevocationCache
from verify.signatures import SignatureContext, check_signature
from verify.timestamps import TimestampInput, check_timestamp, tst_time
from verify.trust import TrustSettings, archival_validation_spec, pdf_validation_spec
from verify.validation_clock import validation_clock

__all__ = ["verify_pdf"]

_SUBFILTERS = {str(s.value) for s in SigSeedSubFilter}
#: Errors pyHanko, asn1crypto and the stream filters raise on unparseable input; they become
#: ``malformed``.  Beyond the obvious ones: ``zlib.error`` (a corrupt Flate stream),
#: ``NotImplementedError`` (an unknown /Filter such as ``/FlateDecodf``), ``AssertionError``
#: (pyHanko asserts some structure, e.g. an xref stream's /Type), ``struct.error``,
#: ``ArithmeticError`` and ``RecursionError`` (deeply nested objects), ``EOFError``.
_PARSE_ERRORS = (PdfError, SignatureValidationError, ValueError, TypeError, LookupError,
                 AttributeError, AssertionError, NotImplementedError, ArithmeticError,
                 RecursionError, EOFError, zlib.error, struct.error)
#: How a report produced by the last-resort boundary of :func:`verify_pdf` begins.
INTERNAL_ERROR = "internal error while verifying"
_log = logging.getLogger(__name__)
_EOF = re.compile(rb"%%EOF[\r\n\x00\t\f ]*\Z")


def _structure_problem(data: bytes) -> Problem | None:
    """Byte-level checks before parsing (ISO 32000-2 §7.5: header, trailer, incremental updates)."""
    if not data:
        return Problem(Verdict.MALFORMED, "empty file (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        return Problem(Verdict.MALFORMED, "not a PDF: no %PDF- header in the first 1024 bytes")
    if _EOF.search(data) is None:
        last = data.rfind(b"%%EOF")
        if last < 0:
            return Problem(Verdict.MALFORMED, "no %%EOF marker: the file is truncated")
        start = last + 5
        return Problem(Verdict.INVALID_INTEGRITY,
                       f"bytes {start}-{len(data) - 1} after the last revision's %%EOF "
                       f"are not a valid incremental update")
    return None


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF[\r\n\x00\t\f ]*\Z")


_XREF_STREAM_END = re.compile(rb"\s*(?:endstream\s*)?(?:endobj\s*)?\Z")
_TRAILER = re.compile(rb"\s*(?:trailer\s*)?<<")


def _is_trailer(between: bytes) -> bool:
    """The end of an xref stream object, or a trailer dictionary holding no other object."""
    if _XREF_STREAM_END.match(between):
        return True
    forbidden = (b"%%EOF", b"startxref", b"obj", b"stream")
    return bool(_TRAILER.match(between)) and not any(w in between for w in forbidden)


def _tail_problem(data: bytes, reader: PdfFileReader) -> Problem | None:
    """Every byte after the newest revision's cross-reference data must be its trailer:
    ``trailer << ... >> startxref N %%EOF`` with N pointing at that very xref section."""
    last = reader.xrefs.total_revisions - 1
    meta = reader.xrefs.get_xref_container_info(last)
    marker = data.rfind(b"startxref")
    match = _STARTXREF.match(data, marker) if marker >= 0 else None
    between = data[meta.end_location:max(marker, meta.end_location)]
    if match is None or int(match.group(1)) != meta.declared_startxref \
            or not _is_trailer(between):
        return Problem(Verdict.INVALID_INTEGRITY,
                       f"bytes {meta.end_location}-{len(data) - 1} after revision {last} "
                       f"are not a valid incremental update")
    return None


def _embedded(reader: PdfFileReader) -> tuple[list[EmbeddedPdfSignature], Problem | None]:
    """Every filled signature field; an unknown /SubFilter or unparseable /Contents is named."""
    found: list[EmbeddedPdfSignature] = []
    for fq_name, sig_obj, sig_field in enumerate_sig_fields(reader, filled_status=True):
        subfilter = sig_obj.get_object().get("/SubFilter")
        if str(subfilter) not in _SUBFILTERS:
            return found, Problem(Verdict.MALFORMED,
                                  f"signature field {fq_name}: /SubFilter {subfilter} "
                                  f"is not a PDF signature format")
        try:
            embedded = EmbeddedPdfSignature(reader, sig_field, fq_name)
        except _PARSE_ERRORS as exc:
            return found, Problem(Verdict.MALFORMED,
                                  f"signature field {fq_name}: /Contents cannot be parsed "
                                  f"as CMS SignedData ({exc})")
        padding = _padding_problem(fq_name, embedded.pkcs7_content)
        if padding is not None:
            return found, padding
        found.append(embedded)
    return sorted(found, key=lambda e: e.signed_revision), None


def _padding_problem(field: str, contents: bytes) -> Problem | None:
    """/Contents is outside the ByteRange by design: after the CMS structure it may hold only
    zero padding, or it could carry data no signature vouches for."""
    _, _, _, header, body, _ = asn1_parser.parse(contents)
    end = len(header) + len(body)
    tail = contents[end:]
    if not tail.strip(b"\x00"):
        return None
    first = end + len(tail) - len(tail.lstrip(b"\x00"))
    last = end + len(tail.rstrip(b"\x00")) - 1
    return Problem(Verdict.INVALID_INTEGRITY,
                   f"signature field {field}: /Contents holds non-zero bytes after the CMS "
                   f"structure (offsets {first}-{last} of the value)")


def _timestamp_inputs(sigs: list[EmbeddedPdfSignature]) -> tuple[
        dict[str, list[TimestampInput]], list[TimestampInput]]:
    per_signature: dict[str, list[TimestampInput]] = {}
    doc_ts: list[TimestampInput] = []
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    for n, emb in enumerate(regular, start=1):
        tokens = generic_cms.extract_tst_data_iter(emb.signer_info, signed=False)
        checker = generic_cms.message_imprint_checker(emb.signer_info)
        per_signature[f"sig{n}"] = [
            TimestampInput(f"sig{n}-ts{k}", "signature-timestamp", tok, checker)
            for k, tok in enumerate(tokens, start=1)]
    for n, emb in enumerate((s for s in sigs if s.sig_object_type == "/DocTimeStamp"), start=1):
        doc_ts.append(TimestampInput(f"docts{n}", "document-timestamp", emb.signed_data,
                                     emb.compute_digest, embedded=emb))
    return per_signature, doc_ts


def _reference_times(at: datetime, per_signature: dict[str, list[TimestampInput]],
                     doc_ts: list[TimestampInput]) -> tuple[ReferenceTime, ...]:
    refs = [ReferenceTime("now", "validation", at)]
    refs += [ReferenceTime(t.id, t.kind, tst_time(t.token))
             for items in per_signature.values() for t in items]
    refs += [ReferenceTime(t.id, t.kind, tst_time(t.token)) for t in doc_ts]
    return tuple(refs)


def _with_poe(findings: list[TimestampFinding], doc_ts: list[TimestampFinding],
              revisions: dict[str, int]) -> list[TimestampFinding]:
    """A timestamp not passing now still passes if a later valid document timestamp proves it
    existed while its TSA certificate was valid (ETSI EN 319 102-1 §5.6.2.4, past validation)."""
    result = []
    for item in findings:
        later = [d for d in doc_ts if d.ok and d.id != item.id
                 and d.revision is not None and d.revision > revisions.get(item.id, -1)]
        if item.intact and not item.ok and any(
                item.validity.get(d.id) is CellStatus.VALID for d in later):
            item = dataclasses.replace(item, indication="TOTAL_PASSED", subindication=None,
                                       reason=None)
        result.append(item)
    return result


def _specs(settings: TrustSettings, evidence: Evidence) -> tuple[
        PdfSignatureValidationSpec, PdfSignatureValidationSpec]:
    """pyHanko's validation settings for this document, and those for B-LTA validation."""
    spec = pdf_validation_spec(settings, embedded_crls=evidence.dss_crls,
                               embedded_ocsps=evidence.dss_ocsps,
                               embedded_certs=evidence.dss_certs,
                               fetcher_backend=evidence.fetcher_backend,
                               signature_validator=evidence.signatures)
    return spec, archival_validation_spec(settings, fetcher_backend=evidence.fetcher_backend,
                                          signature_validator=evidence.signatures)


async def _verify_signed(reader: PdfFileReader, sigs: list[EmbeddedPdfSignature], *,
                         data: bytes, settings: TrustSettings, at: datetime,
                         cache: RevocationCache | None) -> tuple[
        tuple[SignatureFinding, ...], tuple[TimestampFinding, ...], tuple[ReferenceTime, ...]]:
    evidence = read_evidence(reader, settings, cache)
    spec, archival = _specs(settings, evidence)
    # the same without fetching: the fallback when a revocation service is down
    local, local_archival = _specs(dataclasses.replace(settings, offline=True), evidence)
    per_signature, doc_inputs = _timestamp_inputs(sigs)
    refs = _reference_times(at, per_signature, doc_inputs)
    passed = PassedTimestamps()
    judged = {item.id: await check_timestamp(
        item, spec=spec.signature_validation_spec, evidence=evidence, at=at,
        reference_times=refs, local_spec=local.signature_validation_spec, passed=passed)
        for item in [*doc_inputs, *(t for ts in per_signature.values() for t in ts)]}
    for t in doc_inputs:  # an archive timestamp's coverage, as a signature's below
        assert t.embedded is not None
        judged[t.id] = with_coverage(judged[t.id], coverage_problem(t.embedded, data))
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    revisions = {t.id: emb.signed_revision for t, emb in zip(doc_inputs, (
        s for s in sigs if s.sig_object_type == "/DocTimeStamp"), strict=True)}
    for n, emb in enumerate(regular, start=1):
        revisions.update({t.id: emb.signed_revision for t in per_signature[f"sig{n}"]})
    doc_findings = [judged[t.id] for t in doc_inputs]
    all_findings = _with_poe(list(judged.values()), doc_findings, revisions)
    by_id = {t.id: t for t in all_findings}
    ctx = SignatureContext(spec, archival, local, local_archival, evidence, at, refs,
                           reader.xrefs.total_revisions - 1,
                           newest_archive=doc_findings[-1] if doc_findings else None,
                           passed=passed)
    signatures = []
    for n, emb in enumerate(regular, start=1):
        own = [by_id[t.id] for t in per_signature[f"sig{n}"]]
        protected = any(by_id[d.id].ok and revisions[d.id] > emb.signed_revision
                        for d in doc_inputs)
        finding = await check_signature(emb, sig_id=f"sig{n}", ctx=ctx, sig_timestamps=own,
                                        protected_by_docts=protected)
        signatures.append(with_coverage(finding, coverage_problem(emb, data)))
    ordered = [by_id[t.id] for ts in per_signature.values() for t in ts] + \
        [by_id[t.id] for t in doc_inputs]
    return tuple(signatures), tuple(ordered), refs


def verify_pdf(data: bytes, *, path: str, settings: TrustSettings, at: datetime,
               require: Level | None = None,
               revocation_cache: RevocationCache | None = None) -> DocumentReport:
    """Verify one PDF given as bytes.

    This is the verifier's boundary for one file, fed files from strangers: whatever the
    bytes, the answer is a report.  What a parser raises on bad input is ``malformed`` with
    the reason (and the byte where reading stopped, when it stopped while reading the
    structure).  Anything else is a bug here or in pyHanko, not a judgement on the file:
    it is logged with its traceback and reported ``indeterminate`` with
    :data:`INTERNAL_ERROR`, so one such file never stops the report on the others and is
    never called valid (the fuzz suite counts these reports as failures).

    :param path: how the report names the file.
    :param settings: trust anchors and revocation data.
    :param at: the validation time (tz-aware; "now" at the CLI, or ``--at``).
    :param require: the level the file must reach to count as ok (``--require``).
    :param revocation_cache: CRLs and OCSP responses fetched for other files, reused while
        valid (see :mod:`verify.revocation_cache`); ``None`` fetches everything anew.
    :return: the report; never raises for a broken file.
    """
    def report(problem: Problem | None, sigs: tuple[SignatureFinding, ...] = (),
               tss: tuple[TimestampFinding, ...] = (),
               refs: tuple[ReferenceTime, ...] = ()) -> DocumentReport:
        return DocumentReport(path=path, size=len(data), validated_at=at, problem=problem,
                              signatures=sigs, timestamps=tss, reference_times=refs,
                              required=require)

    try:
        problem, found = _judge(data, settings=settings, at=at, cache=revocation_cache)
    except Exception as exc:  # the per-file boundary (see the docstring), logged
        _log.exception("unexpected error verifying %s", path)
        return report(Problem(Verdict.INDETERMINATE,
                              f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"))
    return report(problem, *found)


_Found = tuple[tuple[SignatureFinding, ...], tuple[TimestampFinding, ...],
               tuple[ReferenceTime, ...]]


def _judge(data: bytes, *, settings: TrustSettings, at: datetime,
           cache: RevocationCache | None) -> tuple[Problem | None, _Found | tuple[()]]:
    """The document problem, if any, and the findings; parse errors become ``malformed``."""
    structural = _structure_problem(data)
    if structural is not None and structural.verdict is Verdict.MALFORMED:
        return structural, ()
    stream = io.BytesIO(data)
    try:
        reader = PdfFileReader(stream, strict=False)
        preload_signature_dictionaries(reader, data)
        structural = structural or _tail_problem(data, reader)
        sigs, problem = _embedded(reader)
    except _PARSE_ERRORS as exc:
        return _unparseable(exc, near=stream.tell()), ()
    if problem is not None:
        return problem, ()
    if not [s for s in sigs if s.sig_object_type == "/Sig"]:
        return structural or Problem(
            Verdict.NOT_SIGNED, "no signature field holds a signature (/Sig)"), ()
    try:
        with validation_clock(at):
            found = asyncio.run(_verify_signed(reader, sigs, data=data, settings=settings,
                                               at=at, cache=cache))
    except _PARSE_ERRORS as exc:
        return _unparseable(exc), ()
    return structural, found


def _unparseable(exc: BaseException, *, near: int | None = None) -> Problem:
    """``malformed``, with the error and, when known, the byte where reading stopped."""
    where = f" (reading stopped near byte {near})" if near is not None else ""
    detail = str(exc) or f"a structure is not as expected ({type(exc).__name__})"
    if isinstance(exc, zlib.error):
        detail = f"a Flate stream is corrupt ({detail})"
    return Problem(Verdict.MALFORMED, f"cannot parse the PDF: {detail}{where}")
