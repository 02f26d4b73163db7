"""Signature dictionaries read with their ``/Contents`` decoded at C speed, not byte by byte.

pyHanko 0.38 reads a hex string one byte at a time (``read_hex_string_from_stream`` calls
``read_non_whitespace`` and a generator step per digit), and a signature's ``/Contents`` is
tens of thousands of digits: a fifth of a whole offline verification of an ES-A file.  The
reader offers a public cache of parsed objects (``PdfFileReader.cache_indirect_object``,
which ``get_object`` consults first); :func:`preload_signature_dictionaries` fills it with
the dictionaries holding a long hex ``/Contents``, parsed by pyHanko's own parser from the
same bytes in which only that hex string is replaced by a short placeholder.  What comes
out is the object pyHanko would build, for these reasons:

- the bytes before and after the hex string are the same, so the parser is in the same
  state on both sides of it, and a hex string token (``<``, hex digits and PDF white
  space, ``>``; a ``%`` or anything else and the dictionary is left to pyHanko) is
  replaced by another hex string token;
- the placeholder holds 16 random bytes; only when the parsed dictionary's own
  ``/Contents`` is that value (not a nested one, not a later duplicate key) is the
  placeholder known to be the token pyHanko would have read as ``/Contents``, which then
  becomes :func:`pyhanko.pdf_utils.generic.pdf_string` of the decoded digits, an odd
  count padded with ``0`` as pyHanko does;
- the object is only cached when the reader's cross-reference table places it exactly
  where it was parsed, the file is not encrypted and the object is no stream; anything
  unexpected (a parse error included) leaves it to pyHanko, whose own error then names
  the problem as before.

The upstream fix: ``read_hex_string_from_stream`` matching ``[0-9A-Fa-f\\s]*>`` on a read
ahead of the stream (falling back to the loop only for comments and errors), as done here.
"""

from __future__ import annotations

import binascii
import io
import logging
import re
import secrets

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.xref import read_object_header

__all__ = ["MIN_DIGITS", "preload_signature_dictionaries"]

#: Shorter hex strings are left to pyHanko: the gain is in long ``/Contents`` values.
MIN_DIGITS = 1024
#: How much of the file after the hex string the placeholder parse may read: a signature
#: dictionary ends a few hundred bytes later; one that does not end within it is left to
#: pyHanko (and a file of many such objects costs no more than reading each window).
_TAIL = 64 * 1024
_WS = re.escape(PDF_WHITESPACE)
_CONTENTS = re.compile(rb"/Contents[" + _WS + rb"]*(<[0-9A-Fa-f" + _WS + rb"]*>)")
_HEADER = re.compile(rb"(\d+)[" + _WS + rb"]+(\d+)[" + _WS + rb"]+obj\Z")
_NOT_DIGITS = re.compile(rb"[" + _WS + rb"]")
_log = logging.getLogger(__name__)


def _object_start(data: bytes, before: int) -> tuple[int, int, int] | None:
    """Object number, generation and offset of the ``N G obj`` header nearest before."""
    end = data.rfind(b"obj", 0, before)
    if end < 0:
        return None
    match = _HEADER.search(data, max(0, end - 40), end + 3)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), match.start()


def _decoded(token: bytes) -> bytes:
    """The bytes of a hex string token ``<...>`` (PDF white space ignored, odd count
    padded with ``0``, ISO 32000-2 §7.3.4.3)."""
    digits = _NOT_DIGITS.sub(b"", token[1:-1])
    return binascii.unhexlify(digits + b"0" * (len(digits) % 2))


def _parse_with_placeholder(reader: PdfFileReader, data: bytes, start: int,
                            span: tuple[int, int]) -> generic.DictionaryObject | None:
    """pyHanko's parse of the object at ``start`` with the hex string at ``span`` replaced,
    its ``/Contents`` set to the real value; ``None`` when the placeholder is not it."""
    nonce = secrets.token_bytes(16)
    stream = io.BytesIO(data[start:span[0]] + b"<" + nonce.hex().encode() + b">"
                        + data[span[1]:span[1] + _TAIL])
    idnum, generation = read_object_header(  # type: ignore[no-untyped-call]
        stream, strict=reader.strict)
    obj = generic.read_object(stream, generic.Reference(idnum, generation, reader))
    if type(obj) is not generic.DictionaryObject:
        return None
    placeholder = obj.raw_get("/Contents", decrypt=generic.EncryptedObjAccess.RAW)
    if not isinstance(placeholder, (generic.ByteStringObject, generic.TextStringObject)) \
            or placeholder.original_bytes != nonce:
        return None
    real = generic.pdf_string(_decoded(data[span[0]:span[1]]))
    real.container_ref = placeholder.container_ref
    key = next(k for k in obj if k == "/Contents")
    dict.__setitem__(obj, key, real)
    return obj


def preload_signature_dictionaries(reader: PdfFileReader, data: bytes) -> int:
    """Put every dictionary of the newest revision that has a long hex ``/Contents`` into
    ``reader``'s object cache, parsed as described in the module.

    :param data: the bytes ``reader`` reads.
    :return: how many objects were cached (the others are read by pyHanko as usual).
    """
    if reader.encrypted:
        return 0
    cached = 0
    for match in _CONTENTS.finditer(data):
        span = match.span(1)
        if span[1] - span[0] - 2 < MIN_DIGITS:
            continue
        found = _object_start(data, match.start())
        if found is None:
            continue
        idnum, generation, start = found
        ref = generic.Reference(idnum, generation, reader)
        try:
            if reader.xrefs[ref] != start or \
                    reader.cache_get_indirect_object(  # type: ignore[no-untyped-call]
                        generation, idnum) is not None:
                continue
            obj = _parse_with_placeholder(reader, data, start, span)
        except Exception:  # noqa: BLE001 - any surprise: pyHanko reads it itself
            _log.debug("object %d %d left to pyHanko", idnum, generation, exc_info=True)
            continue
        if obj is not None:
            reader.cache_indirect_object(generation, idnum, obj)  # type: ignore[no-untyped-call]
            cached += 1
    return cached
