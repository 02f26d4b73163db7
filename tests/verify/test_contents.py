"""verify.contents: a preloaded signature dictionary is exactly the object pyHanko reads.

Each case is a small PDF whose object 4 is a dictionary with a long hex ``/Contents``,
written in a way the tokenizer must get right (white space and line breaks in the digits,
an odd count, lower case, a nested decoy, a duplicate key, a comment, a bad digit).  The
object preloaded into the cache is compared, key by key and type by type, with what a
fresh reader parses byte by byte; where preloading must not happen, nothing is cached and
pyHanko's own parse (or its error) stands.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from verify.contents import MIN_DIGITS, preload_signature_dictionaries

_HEX = secrets.token_bytes(3000).hex().encode()


def _pdf(sig_dict: bytes) -> bytes:
    """A one-page PDF (classic xref table) whose object 4 is ``sig_dict``."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>", sig_dict]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _plain(value: Any) -> Any:
    """A PDF object as Python values with their pyHanko types, for exact comparison."""
    if isinstance(value, generic.DictionaryObject):
        return type(value), {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, generic.ArrayObject):
        return type(value), [_plain(v) for v in value]
    if isinstance(value, generic.IndirectObject):
        return type(value), value.idnum, value.generation
    return type(value), value, getattr(value, "container_ref", None) is not None


def _both(data: bytes) -> tuple[int, Any, Any]:
    """(objects cached, the preloaded object 4, pyHanko's own parse of object 4)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    cached = preload_signature_dictionaries(reader, data)
    ref = generic.Reference(4, 0, reader)
    preloaded = reader.cache_get_indirect_object(0, 4)
    fresh = PdfFileReader(io.BytesIO(data), strict=False)
    expected = fresh.get_object(generic.Reference(4, 0, fresh))
    assert reader.get_object(ref) is (preloaded if cached else reader.get_object(ref))
    return cached, preloaded, expected


_EXACT = {
    "plain": b"<< /Type /Sig /Contents <" + _HEX + b"> /M (D:20261202) >>",
    "white space and line breaks in the digits":
        b"<< /Type /Sig /Contents <" + b"\n".join(_HEX[i:i + 64]
                                                  for i in range(0, len(_HEX), 64))
        + b" \t\r\x00\x0c> >>",
    "odd number of digits": b"<< /Type /Sig /Contents <" + _HEX + b"a> >>",
    "upper case": b"<< /Contents <" + _HEX.upper() + b"> /Type /Sig >>",
    "no space before the value": b"<</Type/Sig/Contents<" + _HEX + b">>>",
    "decoded as text (UTF-16 BOM)": b"<< /Contents <feff" + b"0041" * 400 + b"> >>",
    "a nested decoy first": b"<< /Prop_Build << /Contents <" + _HEX[:2048] + b"> >> "
                            b"/Contents <" + _HEX + b"> >>",
    "a duplicate key (the first one counts)": b"<< /Contents <" + _HEX + b"> /Contents <"
                                              + _HEX[::-1] + b"> >>",
    "a decoy in a literal string": b"<< /Name (x /Contents <" + _HEX[:2048] + b">) "
                                   b"/Contents <" + _HEX + b"> >>",
}


@pytest.mark.parametrize("body", list(_EXACT.values()), ids=list(_EXACT))
def test_preloaded_dictionary_is_what_pyhanko_reads(body: bytes) -> None:
    cached, preloaded, expected = _both(_pdf(body))
    if cached:
        assert _plain(preloaded) == _plain(expected)
    else:
        assert preloaded is None


def test_the_long_cases_are_preloaded() -> None:
    """The speed-up happens: each case but the decoys is read by the fast path."""
    for name in ("plain", "white space and line breaks in the digits", "odd number of digits",
                 "upper case", "no space before the value", "a nested decoy first",
                 "a duplicate key (the first one counts)"):
        assert _both(_pdf(_EXACT[name]))[0] == 1, name


@pytest.mark.parametrize("body", [
    b"<< /Contents <" + _HEX[:1000] + b"zz" + _HEX[1000:] + b"> >>",
    b"<< /Contents <" + _HEX[:1000] + b"%comment\n" + _HEX[1000:] + b"> >>",
    b"<< /Contents <" + _HEX[:MIN_DIGITS - 2] + b"> >>",
    b"<< /Length 3 /Contents <" + _HEX + b"> >>\nstream\nabc\nendstream",
    b"<< /Contents <" + _HEX + b"> /Pad (" + b"x" * 70_000 + b") >>",
], ids=["bad digit", "comment in the digits", "short", "a stream", "longer than the window"])
def test_what_the_fast_path_must_not_read_is_left_to_pyhanko(body: bytes) -> None:
    data = _pdf(body)
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    assert preload_signature_dictionaries(reader, data) == 0
    assert reader.cache_get_indirect_object(0, 4) is None


def test_a_bad_digit_still_fails_as_pyhanko_fails() -> None:
    data = _pdf(b"<< /Contents <" + _HEX[:1000] + b"zz" + _HEX[1000:] + b"> >>")
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    preload_signature_dictionaries(reader, data)
    with pytest.raises(PdfError, match="Unexpected token in hex string"):
        reader.get_object(generic.Reference(4, 0, reader))


def test_an_object_moved_by_a_later_revision_is_not_preloaded() -> None:
    """Only the object the cross-reference table points at is cached."""
    data = _pdf(b"<< /Contents <" + _HEX + b"> >>")
    moved = data.replace(b"4 0 obj", b"9 0 obj", 1)
    reader = PdfFileReader(io.BytesIO(moved), strict=False)
    assert preload_signature_dictionaries(reader, moved) == 0


def test_signed_samples_are_preloaded_exactly(samples: Any) -> None:
    """Every signature and document time-stamp of the real ES-T and ES-A samples."""
    for name in ("es-t", "es-a"):
        data = Path(samples.path(name)).read_bytes()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        cached = preload_signature_dictionaries(reader, data)
        assert cached == data.count(b"/ByteRange")
        fresh = PdfFileReader(io.BytesIO(data), strict=False)
        for sig in fresh.embedded_signatures:
            ref = sig.sig_object.container_ref
            assert _plain(reader.get_object(generic.Reference(ref.idnum, ref.generation,
                                                              reader))) == _plain(sig.sig_object)
