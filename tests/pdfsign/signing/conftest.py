"""Fixtures for the signing tests: a one-page PDF, signers, TSA set-ups, signed samples.

- ``one_page_pdf`` — a small unsigned PDF (pikepdf, one A4 page with a line of text).
- ``signers`` — the PKI's signers loaded with their PIN, by name (``staff`` RSA, ``staff-ec``).
- ``embedded_services`` — the bundled TSA and revocation services in this process.
- ``http_services`` — the TSA over HTTP (``tsa_server``) and revocation over HTTP at the
  certificates' own URLs (``pki_url_server`` on 127.0.0.1:3161).
- ``signed_samples`` — signed bytes by (level, signer, TSA mode), made once per session.
- ``validation_spec`` — ``spec(backend)``: pyHanko AdES settings trusting only ``root.pem``.
- ``token_settings`` / ``token_registry`` — a fresh installation signing with the session's
  SoftHSM2 token (``hsm``), and its registry; no test may leave a token login open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from pyhanko.sign.validation.policy_decl import (
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.api import FetcherBackend
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from softhsm_support import Hsm

from pdfsign.config import Settings
from pdfsign.registry import Registry
from pdfsign.signing import (
    Level,
    ParsedKeySigner,
    SigningServices,
    load_signer,
    load_trust_root,
    sign_pdf,
    signing_services,
)
from pdfsign.signing.token_sessions import LOGINS
from tsa.pki import Pki

PIN = "TestPin2026"
SignFn = Callable[[Level, str, str], bytes]


@pytest.fixture(scope="session")
def one_page_pdf() -> bytes:
    """A one-page A4 PDF with a line of text, unsigned."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 14 Tf 72 770 Td (pdfsign signing test) Tj ET")
    out = BytesIO()
    pdf.save(out, compress_streams=False)  # the text stays greppable for tampering tests
    return out.getvalue()


@pytest.fixture(scope="session")
def signers(pki: Pki) -> dict[str, ParsedKeySigner]:
    """The good signers of the test PKI, opened once."""
    return {name: load_signer(pki.signers[name].p12, PIN) for name in ("staff", "staff-ec")}


@pytest.fixture(scope="session")
def embedded_services(pki: Pki) -> SigningServices:
    """The bundled TSA and CRL/OCSP services, in-process (serials in memory)."""
    return signing_services(pki_dir=pki.directory, state_dir=None)


@pytest.fixture(scope="session")
def http_services(pki: Pki, tsa_server: str, pki_url_server: str) -> SigningServices:
    """The TSA over real HTTP; revocation data fetched over HTTP from the certificates' URLs."""
    return signing_services(pki_dir=pki.directory, state_dir=None, tsa_url=f"{tsa_server}/tsa")


@pytest.fixture(scope="session")
def services_by_mode(request: pytest.FixtureRequest) -> Callable[[str], SigningServices]:
    """``embedded`` or ``http`` services, the HTTP ones started only when a test asks."""
    def get(mode: str) -> SigningServices:
        name = {"embedded": "embedded_services", "http": "http_services"}[mode]
        services: SigningServices = request.getfixturevalue(name)
        return services
    return get


@pytest.fixture(scope="session")
def signed_samples(one_page_pdf: bytes, signers: dict[str, ParsedKeySigner],
                   services_by_mode: Callable[[str], SigningServices]) -> SignFn:
    """``sign(level, signer_name, mode)`` → signed bytes, each combination made once."""
    cache: dict[tuple[Level, str, str], bytes] = {}

    def sign(level: Level, signer: str, mode: str) -> bytes:
        key = (level, signer, mode)
        if key not in cache:
            services = services_by_mode(mode)
            cache[key] = sign_pdf(
                one_page_pdf, signer=signers[signer], level=level,
                timestamper=services.timestamper,
                validation_context_factory=services.validation_context,
                at=dt.datetime.now(dt.UTC), reason="保証書の発行", location="東京")
        return cache[key]
    return sign


SpecFn = Callable[[FetcherBackend | None], SignatureValidationSpec]


@pytest.fixture(scope="session")
def validation_spec(pki: Pki) -> SpecFn:
    """``spec(backend)``: AdES settings trusting only ``root.pem``, revocation data required.

    ``backend`` fetches revocation data; ``None`` allows only what the PDF carries
    (its DSS), never the network.
    """
    return lambda backend: _spec(pki, backend)


def _spec(pki: Pki, backend: FetcherBackend | None) -> SignatureValidationSpec:
    root = load_trust_root(pki.path("root.pem"))
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[root]),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
    )
    rule = (RevinfoOnlineFetchingRule.LOCAL_ONLY if backend is None
            else RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH)
    return SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=rule, fetcher_backend=backend),
    )


@pytest.fixture
def token_settings(hsm: Hsm, tmp_path: Path) -> Settings:
    """A fresh installation whose signer is the SoftHSM2 token's RSA key (``softhsm_support``)."""
    return hsm.settings(tmp_path / "home")


@pytest.fixture
def token_registry(token_settings: Settings) -> Iterator[Registry]:
    """That installation's registry (the signers' PIN locks and names)."""
    registry = Registry.open(token_settings)
    yield registry
    registry.db.dispose()


@pytest.fixture(autouse=True)
def no_token_login_left_behind() -> Iterator[None]:
    """Every test closes the token signers it opens: no login on a token outlives it."""
    yield
    assert LOGINS.held() == 0
