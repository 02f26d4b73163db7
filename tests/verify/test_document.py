"""verify.document: one verdict per failure class, levels, time, never a traceback."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from verify_samples import EXPECTED, SampleSet, make_crls

from tsa.pki import Pki
from verify import (
    CellStatus,
    DocumentReport,
    Level,
    TrustSettings,
    Verdict,
    load_trust_settings,
    verify_pdf,
)
from verify.formats.json import to_document

Verify = Callable[..., DocumentReport]
SIX_YEARS = dt.timedelta(days=6 * 366)
ROOT_PEM = Path(__file__).resolve().parents[2] / "fixtures" / "pki" / "root.pem"


@pytest.mark.parametrize(("name", "verdict", "level"),
                         [(n, v, lv) for n, (v, lv) in EXPECTED.items()])
def test_verdict_and_level(verify_sample: Verify, name: str, verdict: str,
                           level: str | None) -> None:
    report = verify_sample(name)
    assert report.verdict.value == verdict, report.reason
    assert (report.level.value if report.level else None) == level
    assert report.ok is (verdict == "valid")
    if verdict != "valid":
        assert report.reason, "every failure names its reason"
        assert report.indication in ("TOTAL_FAILED", "INDETERMINATE")


def test_valid_es_a_reports_everything(verify_sample: Verify) -> None:
    report = verify_sample("es-a")
    (sig,) = report.signatures
    assert sig.changes.kind == "ltv-updates"
    assert sig.certified
    assert sig.revocation.status == "good"
    assert "dss" in sig.revocation.sources
    assert sig.chain[0].subject.endswith("JP")
    assert "山田 太郎" in sig.chain[0].subject
    assert "Root CA" in sig.chain[-1].subject
    kinds = [t.kind for t in report.timestamps]
    assert kinds == ["signature-timestamp", "document-timestamp"]
    assert [r.kind for r in report.reference_times] == [
        "validation", "signature-timestamp", "document-timestamp"]
    assert all(cell is CellStatus.VALID for cell in sig.validity.values())
    assert report.renewal_due is not None
    assert report.renewal_due.year >= 2046
    assert report.best_signature_time is not None
    assert report.indication == "TOTAL_PASSED"
    assert report.subindication is None


@pytest.mark.parametrize("name", ["es-t", "es-a", "revoked", "untrusted"])
def test_best_signature_time_is_the_signature_timestamp(verify_sample: Verify, name: str) -> None:
    """Whatever the verdict, an intact signature's proven time is its timestamp's genTime,
    never the moment of validation."""
    report = verify_sample(name)
    (sig,) = report.signatures
    (own,) = [t for t in report.timestamps if t.kind == "signature-timestamp"]
    assert sig.best_signature_time == own.time


def test_a_broken_signature_has_no_best_signature_time(verify_sample: Verify) -> None:
    """Its timestamp stamps bytes the signature does not vouch for: nothing is proven."""
    tampered = verify_sample("tampered-bytes")
    assert not tampered.signatures[0].intact
    assert tampered.timestamps, "the signature timestamp is still listed"
    assert tampered.signatures[0].best_signature_time is None
    assert tampered.best_signature_time is None


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_report_depends_on_the_validation_time_not_the_clock(verify_sample: Verify,
                                                                  name: str) -> None:
    """Verified twice with the same validation time, a file gives the same report: no
    wall-clock value (microseconds apart here) leaks into it."""
    assert to_document(verify_sample(name)) == to_document(verify_sample(name))


def test_es_t_has_no_document_timestamp(verify_sample: Verify) -> None:
    report = verify_sample("es-t")
    assert [t.kind for t in report.timestamps] == ["signature-timestamp"]
    assert report.renewal_due is None
    assert report.signatures[0].revocation.sources == ("supplied",)


def test_require_es_a_rejects_es_t(verify_sample: Verify) -> None:
    report = verify_sample("es-t", require=Level.B_LTA)
    assert report.verdict is Verdict.VALID
    assert not report.requirement_met
    assert not report.ok
    assert verify_sample("es-a", require=Level.B_LTA).ok


def _future(pki: Pki, samples: SampleSet, tmp_path_factory: pytest.TempPathFactory,
            at: dt.datetime, *, only: tuple[str, ...] = ("root", "ca")) -> TrustSettings:
    folder = tmp_path_factory.mktemp("future-crls")
    paths = []
    for name, der in make_crls(pki, at).items():
        if name not in only:
            continue
        (folder / f"{name}.crl").write_bytes(der)
        paths.append(folder / f"{name}.crl")
    return load_trust_settings(trust=[samples.root], crls=paths, offline=True)


def test_es_a_stays_valid_after_the_signer_certificate_expired(
        verify_sample: Verify, pki: Pki, samples: SampleSet,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """An auditor six years on brings the root's current CRL (for the issuing CA and the TSA);
    the expired signer's status comes from the file.  (A CRL of the issuing CA issued after
    the signer's expiry would keep pyHanko's time slide at the validation time, where the
    certificate has expired: it does not apply ETSI's expiredCertsOnCRL rule.)"""
    at = samples.signed_at + SIX_YEARS
    settings = _future(pki, samples, tmp_path_factory, at, only=("root",))
    report = verify_sample("es-a", at=at, settings=settings)
    assert report.verdict is Verdict.VALID, report.reason
    assert report.level is Level.B_LTA
    sig = report.signatures[0]
    assert sig.validity["now"] is CellStatus.EXPIRED
    assert sig.validity["sig1-ts1"] is CellStatus.VALID


def test_es_t_is_expired_after_the_signer_certificate_expired(
        verify_sample: Verify, pki: Pki, samples: SampleSet,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    at = samples.signed_at + SIX_YEARS
    report = verify_sample("es-t", at=at, settings=_future(pki, samples, tmp_path_factory, at))
    assert report.verdict is Verdict.EXPIRED
    assert report.subindication == "OUT_OF_BOUNDS_NO_POE"


def test_expired_signer_is_judged_by_its_own_timestamp(verify_sample: Verify) -> None:
    sig = verify_sample("expired").signatures[0]
    assert sig.reason is not None
    assert "expired" in sig.reason
    assert sig.validity["sig1-ts1"] is CellStatus.EXPIRED


def test_revoked_signer(verify_sample: Verify) -> None:
    report = verify_sample("revoked")
    sig = report.signatures[0]
    assert sig.revocation.status == "revoked"
    assert sig.revocation.revoked_at is not None
    assert sig.validity["now"] is CellStatus.REVOKED
    assert report.subindication == "REVOKED_NO_POE"


def test_untrusted_signer_has_no_chain_to_the_root(verify_sample: Verify) -> None:
    report = verify_sample("untrusted")
    assert report.subindication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert report.signatures[0].validity["now"] is CellStatus.UNTRUSTED


def test_mismatched_timestamp_cannot_raise_the_level(verify_sample: Verify) -> None:
    report = verify_sample("wrong-imprint")
    sig, = report.signatures
    ts, = report.timestamps
    assert not ts.intact
    assert ts.subindication == "HASH_FAILURE"
    assert sig.level is Level.B_B
    assert report.level is None


@pytest.mark.parametrize(("name", "kind"), [
    ("changed-content", "other"), ("added-page", "other"), ("swapped-content", "other"),
    ("added-annotation", "other"), ("es-a-added-annotation", "other")])
def test_changes_after_signing_are_reported(verify_sample: Verify, name: str, kind: str) -> None:
    change = verify_sample(name).signatures[0].changes
    assert change.kind == kind
    assert change.last_revision > change.signed_revision
    assert change.detail


def test_trailing_bytes_are_named_by_range(verify_sample: Verify, samples: SampleSet) -> None:
    size = samples.path("trailing-garbage").stat().st_size
    reason = verify_sample("trailing-garbage").reason or ""
    assert f"-{size - 1} after the last revision" in reason


@pytest.mark.parametrize("data", [b"%PDF-1.7\n", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
                                  bytes(range(256)) * 4, b"%PDF-" + b"\xff" * 5000 + b"%%EOF"])
def test_garbage_is_malformed_never_an_exception(data: bytes) -> None:
    settings = load_trust_settings(trust=[ROOT_PEM], offline=True)
    report = verify_pdf(data, path="x.pdf", settings=settings, at=dt.datetime.now(dt.UTC))
    assert report.verdict is Verdict.MALFORMED
    assert report.reason


def test_random_damage_never_raises(samples: SampleSet, trust: TrustSettings) -> None:
    """Byte flips and truncations anywhere: always a report, never an exception."""
    good = samples.path("es-a").read_bytes()
    rnd = random.Random(20261123)
    verdicts = set()
    for i in range(40):
        data = bytearray(good)
        for _ in range(rnd.choice([1, 3, 10])):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        if i % 5 == 0:
            data = data[: rnd.randrange(len(data))]
        report = verify_pdf(bytes(data), path=f"fuzz{i}", settings=trust, at=samples.signed_at)
        verdicts.add(report.verdict)
        if report.verdict is not Verdict.VALID:
            assert report.reason
    assert Verdict.MALFORMED in verdicts


@pytest.mark.parametrize(("name", "whole"), [("es-a", True), ("es-a-added-page", False)])
def test_document_timestamp_coverage(verify_sample: Verify, name: str, whole: bool) -> None:
    """The archive timestamp covers the whole file until a later revision is appended."""
    docts = [t for t in verify_sample(name).timestamps if t.kind == "document-timestamp"]
    assert [t.covers_whole_file for t in docts] == [whole]
