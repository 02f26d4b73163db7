"""A /ByteRange that is not "everything but /Contents" is an integrity failure, not a change.

The four shapes of pyHanko 0.38's ``coverage-anomalies`` test files (a gap larger than
/Contents, a single range, ranges out of order, an uncovered tail), made here from the
product-signed ES-T: the /ByteRange is rewritten and the file signed again over exactly
those bytes, so the digest matches and only the coverage is wrong — what pyHanko's files are.
A control re-signed with the honest /ByteRange stays valid, so the re-signing itself is sound.
"""

from __future__ import annotations

import asyncio
import binascii
import datetime as dt
import hashlib
import re

import pytest
from pyhanko.sign import signers
from verify_samples import SampleSet

from tsa.pki import Pki
from verify import TrustSettings, Verdict, verify_pdf

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _resign(good: bytes, pki: Pki, shape: str) -> bytes:
    """``good`` with a /ByteRange of ``shape``, signed over the bytes that range names."""
    br = _BYTE_RANGE.search(good)
    assert br is not None
    a, b, c, d = (int(x) for x in br.groups())
    contents_end = c  # /Contents is <...> from byte b to c - 1
    ranges = {
        "honest": [a, b, c, d],
        "gap-too-big": [a, b - 40, c, d],
        "one-range": [a, b],
        "out-of-order": [0, 10, 20, 30],
        "tail-uncovered": [a, b, c, d - 60],
    }[shape]
    text = ("/ByteRange [" + " ".join(str(v) for v in ranges) + "]").encode()
    data = good[:br.start()] + text.ljust(br.end() - br.start()) + good[br.end():]
    pairs = list(zip(ranges[::2], ranges[1::2], strict=True))
    digest = hashlib.sha256(b"".join(data[s:s + n] for s, n in pairs)).digest()
    entry = pki.signer("staff")
    signer = signers.SimpleSigner.load_pkcs12(str(entry.p12), passphrase=entry.pin.encode())
    assert signer is not None
    cms = asyncio.run(signer.async_sign(digest, "sha256", use_pades=True)).dump()
    hexed = binascii.hexlify(cms)
    slot = contents_end - 1 - (b + 1)
    assert len(hexed) <= slot
    return data[:b + 1] + hexed.ljust(slot, b"0") + data[contents_end - 1:]


@pytest.fixture(scope="module")
def signed_es_t(samples: SampleSet) -> bytes:
    return samples.path("es-t").read_bytes()


def _verify(data: bytes, trust: TrustSettings, samples: SampleSet) -> object:
    return verify_pdf(data, path="coverage.pdf", settings=trust,
                      at=samples.signed_at + dt.timedelta(minutes=1))


def test_honest_resigning_is_valid(signed_es_t: bytes, pki: Pki, trust: TrustSettings,
                                   samples: SampleSet) -> None:
    """The control: the same re-signing with the real /ByteRange verifies (B-B: no token)."""
    report = _verify(_resign(signed_es_t, pki, "honest"), trust, samples)
    assert report.verdict is Verdict.VALID  # type: ignore[attr-defined]


@pytest.mark.parametrize(("shape", "reason"), [
    ("gap-too-big", "is not exactly the /Contents value"),
    ("one-range", "has 2 numbers"),
    ("out-of-order", "is not exactly the /Contents value"),
    ("tail-uncovered", "not at the end of revision 1"),
])
def test_broken_coverage_is_an_integrity_failure(signed_es_t: bytes, pki: Pki,
                                                 trust: TrustSettings, samples: SampleSet,
                                                 shape: str, reason: str) -> None:
    """ETSI EN 319 102-1 §5.2.7 FORMAT_FAILURE: the digest matches, the coverage does not."""
    report = _verify(_resign(signed_es_t, pki, shape), trust, samples)
    (sig,) = report.signatures  # type: ignore[attr-defined]
    assert report.verdict is Verdict.INVALID_INTEGRITY  # type: ignore[attr-defined]
    assert (sig.verdict, sig.indication, sig.subindication) == (
        Verdict.INVALID_INTEGRITY, "TOTAL_FAILED", "FORMAT_FAILURE")
    assert reason in sig.reason
    assert "/ByteRange [" in sig.reason
    assert sig.level is None
    assert not sig.intact


def test_edited_byte_range_keeps_its_hash_failure(signed_es_t: bytes, trust: TrustSettings,
                                                  samples: SampleSet) -> None:
    """A /ByteRange edited after signing fails its digest too: HASH_FAILURE stays, the reason
    says what is wrong with the coverage."""
    br = _BYTE_RANGE.search(signed_es_t)
    assert br is not None
    a, b, c, d = (int(x) for x in br.groups())
    text = f"/ByteRange [{a} {b} {c} {d - 60}]".encode().ljust(br.end() - br.start())
    edited = signed_es_t[:br.start()] + text + signed_es_t[br.end():]
    (sig,) = _verify(edited, trust, samples).signatures  # type: ignore[attr-defined]
    assert (sig.verdict, sig.subindication) == (Verdict.INVALID_INTEGRITY, "HASH_FAILURE")
    assert "not at the end of revision 1" in sig.reason
