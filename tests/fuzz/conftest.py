"""Fuzz suite fixtures: hypothesis profiles and the real inputs every target is seeded with.

- profiles ``ci`` (the default: ``make test``) and ``fuzz`` (``PDFSIGN_FUZZ=long``, ``make fuzz``);
  :func:`budget` gives each target its number of cases under the active one.
- ``tsa_queries`` — requests made by ``openssl ts -query`` (SHA-2 and refused digests, with and
  without nonce, certReq and a policy).
- ``ocsp_requests`` — DER OCSP requests for the PKI's certificates.
- ``signed_samples`` — ES-T and ES-A signed by ``pdfsign.signing``, B-LT, cross-reference
  streams, and a later revision; each with the byte ranges its signatures cover.
- ``sample_data`` — every data file under ``fixtures/samples/``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from hypothesis import HealthCheck, settings

from tsa import EmbeddedTimeStamper
from tsa.pki import Pki
from tsa.services import PkiServices
from verify import TrustSettings, load_trust_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verify"))
from verify_samples import (  # noqa: E402 - the verify tests' sample builders
    base_pdf,
    incremental_samples,
    make_crls,
    product_signed,
    sign,
)

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("PDFSIGN_FUZZ") == "long"

_COMMON = {"deadline": None, "database": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much]}
settings.register_profile("ci", derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("fuzz", derandomize=False, **_COMMON)  # type: ignore[arg-type]
settings.load_profile("fuzz" if LONG else "ci")

#: Cases per target: (make test, make fuzz).
_BUDGETS = {"tsa-http": (300, 110_000), "tsa-raw": (200, 20_000), "ocsp": (200, 20_000),
            "verify": (40, 2_600), "documents": (150, 5_000), "batches": (150, 5_000),
            "config": (100, 3_000)}


def budget(target: str) -> settings:
    """The hypothesis settings of ``target`` under the active profile."""
    short, long = _BUDGETS[target]
    return settings(max_examples=long if LONG else short)


@pytest.fixture(scope="session")
def tsa_queries(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Real ``openssl ts -query`` outputs over a small file."""
    folder = tmp_path_factory.mktemp("ts-queries")
    data = folder / "data.txt"
    data.write_text("保証書 1,000,000 JPY\n")
    variants = [["-sha256", "-cert"], ["-sha384"], ["-sha512", "-no_nonce"],
                ["-sha256", "-tspolicy", "1.2.3.4.1"], ["-sha1", "-cert"], ["-md5"]]
    queries = []
    for n, args in enumerate(variants):
        out = folder / f"q{n}.tsq"
        subprocess.run(["openssl", "ts", "-query", "-data", str(data), *args, "-out", str(out)],
                       check=True, capture_output=True)
        queries.append(out.read_bytes())
    return queries


@pytest.fixture(scope="session")
def ocsp_requests(pki: Pki) -> list[bytes]:
    """OCSP requests for each signer certificate, SHA-1 and SHA-256 CertIDs, with a nonce."""
    ca = pki.certificate("ca")
    found = []
    for name in sorted(pki.signers):
        cert = x509.load_pem_x509_certificate(pki.signer(name).cert.read_bytes())
        for algorithm in (hashes.SHA1(), hashes.SHA256()):
            builder = ocsp.OCSPRequestBuilder().add_certificate(cert, ca, algorithm)
            builder = builder.add_extension(x509.OCSPNonce(name.encode().ljust(16)), False)
            found.append(builder.build().public_bytes(serialization.Encoding.DER))
    return found


@dataclass(frozen=True)
class SignedSample:
    """A signed PDF and the (start, length) ranges its signatures' /ByteRange cover."""

    name: str
    data: bytes
    covered: tuple[tuple[int, int], ...]

    def signed_bytes_changed(self, mutant: bytes) -> bool:
        """Whether any byte a signature covers reads differently at the same offset."""
        return any(mutant[start:start + size] != self.data[start:start + size]
                   for start, size in self.covered)


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _covered(data: bytes) -> tuple[tuple[int, int], ...]:
    ranges = []
    for match in _BYTE_RANGE.finditer(data):
        a, b, c, d = (int(v) for v in match.groups())
        ranges += [(a, b), (c, d)]
    return tuple(ranges)


@pytest.fixture(scope="session")
def signed_samples(pki: Pki, pki_services: PkiServices) -> tuple[list[SignedSample], dt.datetime]:
    """The signed samples and when they were signed (now: the embedded TSA's clock)."""
    at = dt.datetime.now(dt.UTC)
    crls = make_crls(pki, at)
    files = product_signed(pki, at)
    stamper = EmbeddedTimeStamper(pki_services.authority)
    files["b-lt"] = sign(base_pdf(), pki, signer="staff", lta=False, dss=True, at=at,
                         crls=crls, timestamper=stamper)
    files["xref-streams"] = sign(base_pdf(xref_streams=True), pki, signer="staff", lta=False,
                                 at=at, crls=crls, timestamper=stamper)
    files["es-t-annotated"] = incremental_samples(files["es-t"])["added-annotation"]
    return [SignedSample(n, d, _covered(d)) for n, d in sorted(files.items())], at


@pytest.fixture(scope="session")
def sample_trust(pki: Pki, signed_samples: tuple[list[SignedSample], dt.datetime],
                 tmp_path_factory: pytest.TempPathFactory) -> TrustSettings:
    """Offline trust: the test root and CRLs issued when the samples were signed."""
    folder = tmp_path_factory.mktemp("fuzz-crls")
    paths = []
    for name, der in make_crls(pki, signed_samples[1]).items():
        (folder / f"{name}.crl").write_bytes(der)
        paths.append(folder / f"{name}.crl")
    return load_trust_settings(trust=[pki.path("root.pem")], crls=paths, offline=True)


@pytest.fixture(scope="session")
def sample_data() -> dict[str, bytes]:
    """Every sample data file (one per document kind), by file name."""
    return {p.name: p.read_bytes() for p in sorted((ROOT / "fixtures/samples").glob("*.json"))}


def flatten(value: object, prefix: str = "") -> dict[str, str]:
    """A data file as one CSV row: dotted headers, lists as JSON cells (the batch format)."""
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}."))
        return out
    cell = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return {prefix.rstrip("."): cell}


def pytest_configure(config: pytest.Config) -> None:
    """A long run starts from no tallies (in the controller only, before any worker writes)."""
    from mutations import RUNS_DIR

    if LONG and not hasattr(config, "workerinput"):
        for stale in RUNS_DIR.glob("*.json"):
            stale.unlink()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After a long run: inputs per target and outcome, from ``fuzz/runs/`` (xdist-safe)."""
    from mutations import RUNS_DIR

    if not LONG:
        return
    terminalreporter.section("fuzz inputs (fuzz/runs/*.json)")
    grand = 0
    for path in sorted(RUNS_DIR.glob("*.json")):
        run = json.loads(path.read_text())
        grand += run["inputs"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(run["outcomes"].items()))
        terminalreporter.write_line(f"{run['target']:<22} {run['inputs']:>8}  {outcomes}")
    terminalreporter.write_line(f"{'total':<22} {grand:>8}")
