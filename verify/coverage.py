"""Whether a signature's ``/ByteRange`` signs exactly "its revision, but for ``/Contents``".

ISO 32000-2 §12.8.1: the byte range covers the whole file as it was when signed, except the
``/Contents`` hex string itself (delimiters included).  A range that does not — a gap wider
than ``/Contents``, one range or three, ranges out of order, an uncovered tail of the signed
revision — leaves bytes that no signature vouches for.  That is an integrity failure of the
signature's own coverage (ETSI EN 319 102-1 §5.2.7: FORMAT_FAILURE, or HASH_FAILURE when the
digest fails too), never "modified after signing": no later revision made it so.

pyHanko reports these files as valid-but-"nonstandard coverage" and its diff analysis then
calls them modified; :func:`coverage_problem` names what is wrong, with byte offsets, and
:func:`with_coverage` turns a finding into the integrity failure it is.
"""

from __future__ import annotations

import binascii
import dataclasses
from typing import TypeVar

from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from verify.report import CellStatus, SignatureFinding, TimestampFinding, Verdict

__all__ = ["coverage_problem", "with_coverage"]

_WHOLE = (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
_DIGEST_FAILURES = ("HASH_FAILURE", "SIG_CRYPTO_FAILURE")

Finding = TypeVar("Finding", SignatureFinding, TimestampFinding)


def _range_shape(byte_range: list[int]) -> str | None:
    """Two ranges, the first from byte 0, the second after the first."""
    if len(byte_range) != 4:
        return (f"/ByteRange {byte_range} has {len(byte_range)} numbers: it must be two "
                f"ranges (4 numbers)")
    start1, len1, start2, len2 = byte_range
    if min(byte_range) < 0:
        return f"/ByteRange {byte_range} has a negative number"
    if start1 != 0:
        return f"/ByteRange {byte_range}: the first range starts at byte {start1}, not 0"
    if start2 < start1 + len1:
        return (f"/ByteRange {byte_range}: the second range starts at byte {start2}, before "
                f"the first one ends (byte {start1 + len1}): the ranges are out of order")
    return None


def _gap_is_contents(gap: bytes, contents: bytes) -> bool:
    """The bytes between the ranges are ``<hex>`` and the hex is the signature's /Contents."""
    if len(gap) < 2 or gap[:1] != b"<" or gap[-1:] != b">":
        return False
    try:
        return binascii.unhexlify(gap[1:-1]) == contents
    except (binascii.Error, ValueError):
        return False


def coverage_problem(embedded: EmbeddedPdfSignature, data: bytes) -> str | None:
    """What is wrong with the signature's coverage of its revision, or ``None``.

    :param data: the whole file, as verified.
    """
    byte_range = [int(v) for v in embedded.byte_range]
    shape = _range_shape(byte_range)
    if shape is not None:
        return shape
    _, len1, start2, len2 = byte_range
    if start2 + len2 > len(data):
        return (f"/ByteRange {byte_range}: the second range ends at byte {start2 + len2}, "
                f"past the end of the file ({len(data)} bytes)")
    if not _gap_is_contents(data[len1:start2], embedded.pkcs7_content):
        return (f"/ByteRange {byte_range}: the unsigned gap, bytes {len1}-{start2 - 1}, is "
                f"not exactly the /Contents value ({len(embedded.pkcs7_content) * 2 + 2} "
                f"bytes with its delimiters)")
    level = embedded.coverage if embedded.coverage is not None \
        else embedded.evaluate_signature_coverage()
    if level not in _WHOLE:
        return (f"/ByteRange {byte_range}: the signed bytes end at byte {start2 + len2}, "
                f"not at the end of revision {embedded.signed_revision} (its trailer and "
                f"%%EOF are not all covered)")
    return None


def with_coverage(finding: Finding, problem: str | None) -> Finding:
    """The finding as an integrity failure when its coverage is broken (see the module).

    A digest failure keeps its sub-indication; otherwise the signed bytes do match, and
    FORMAT_FAILURE says that their layout, not their content, is wrong.
    """
    if problem is None:
        return finding
    subindication = finding.subindication if finding.subindication in _DIGEST_FAILURES \
        else "FORMAT_FAILURE"
    changes: dict[str, object] = {
        "indication": "TOTAL_FAILED", "subindication": subindication, "reason": problem,
        "intact": False,
        "validity": dict.fromkeys(finding.validity, CellStatus.INVALID_INTEGRITY)}
    if isinstance(finding, SignatureFinding):
        changes.update(verdict=Verdict.INVALID_INTEGRITY, level=None, best_signature_time=None)
    return dataclasses.replace(finding, **changes)  # type: ignore[arg-type]
