"""Verification fixtures: one folder of signed samples per test session (per xdist worker).

- ``samples`` — :class:`SampleSet`: valid ES-T/ES-A files signed by ``pdfsign.signing`` with the
  embedded TSA, and one file per failure class (see ``verify_samples.py`` for how each is broken).
- ``trust`` — offline :class:`verify.TrustSettings`: the test root plus fresh CRLs of the PKI.
- ``verify_sample`` — verify one sample by name with those settings, now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from verify_samples import (
    EXPECTED,
    SampleSet,
    base_pdf,
    incremental_samples,
    make_crls,
    product_signed,
    sign,
    sign_with_wrong_imprint,
    tamper_samples,
    with_dss,
)

from tsa import EmbeddedTimeStamper
from tsa.pki import Pki
from tsa.services import PkiServices
from verify import (
    DocumentReport,
    Level,
    TrustSettings,
    VerificationRun,
    load_trust_settings,
    verify_paths,
    verify_pdf,
)


@pytest.fixture(scope="session")
def samples(pki: Pki, pki_services: PkiServices,
            tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    """Every sample of :data:`EXPECTED`, written once per session."""
    directory = tmp_path_factory.mktemp("verify-samples")
    at = dt.datetime.now(dt.UTC)
    crls = make_crls(pki, at)
    files = product_signed(pki, at)
    stamper = EmbeddedTimeStamper(pki_services.authority)
    for name in ("revoked", "expired", "untrusted"):
        files[name] = sign(base_pdf(), pki, signer=name, lta=False, at=at, crls=crls,
                           timestamper=stamper)
    files["xref-streams"] = sign(base_pdf(xref_streams=True), pki, signer="staff", lta=False,
                                 at=at, crls=crls, timestamper=stamper)
    files["b-lt"] = with_dss(sign(base_pdf(), pki, signer="staff", lta=False, at=at, crls=crls,
                                  timestamper=stamper), pki)
    files["es-a-stale-revinfo"] = sign(base_pdf(), pki, signer="staff", lta=True, at=at,
                                       crls=crls, timestamper=stamper)
    files.update(tamper_samples(files["es-t"]))
    files.update(incremental_samples(files["es-t"]))
    files.update({f"es-a-{k}": v for k, v in incremental_samples(files["es-a"]).items()})
    files["wrong-imprint"] = sign_with_wrong_imprint(base_pdf(), pki, at=at)
    files["not-signed"] = base_pdf()
    files["empty"] = b""
    files["not-a-pdf"] = "請求書.xlsx ではなく、ただのテキストです\n".encode()
    assert set(files) == set(EXPECTED)
    for name, data in files.items():
        (directory / f"{name}.pdf").write_bytes(data)
    crl_files = []
    for name, der in crls.items():
        (directory / f"{name}.crl").write_bytes(der)
        crl_files.append(directory / f"{name}.crl")
    return SampleSet(directory, pki.path("root.pem"), tuple(crl_files), at)


@pytest.fixture(scope="session")
def trust(samples: SampleSet) -> TrustSettings:
    """Offline trust settings: the test root and the samples' CRLs."""
    return load_trust_settings(trust=[samples.root], crls=samples.crl_files, offline=True)


@pytest.fixture(scope="session")
def verify_sample(samples: SampleSet, trust: TrustSettings) -> Callable[..., DocumentReport]:
    """``verify_sample(name, at=None, require=None, settings=None)`` → the report."""
    def run(name: str, *, at: dt.datetime | None = None, require: Level | None = None,
            settings: TrustSettings | None = None) -> DocumentReport:
        path = samples.path(name)
        return verify_pdf(path.read_bytes(), path=str(path), settings=settings or trust,
                          at=at or samples.signed_at + dt.timedelta(minutes=1), require=require)
    return run


@pytest.fixture(scope="session")
def run_all(samples: SampleSet, trust: TrustSettings) -> VerificationRun:
    """Every sample verified in one run, in :data:`EXPECTED` order (for the format tests)."""
    return verify_paths([samples.path(n) for n in EXPECTED], settings=trust,
                        at=samples.signed_at + dt.timedelta(minutes=1))
