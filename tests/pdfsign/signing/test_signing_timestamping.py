"""pdfsign.signing.timestamping: TSA client and validation contexts from the settings."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import dummy_digest
from pyhanko_certvalidator import CertificateValidator

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.signing import Level, ParsedKeySigner, sign_pdf
from pdfsign.signing.timestamping import load_trust_root, signing_services, signing_services_from
from tsa import EmbeddedTimeStamper
from tsa.fetchers import EmbeddedFetcherBackend
from tsa.pki import Pki


def test_embedded_mode_runs_everything_in_process(pki: Pki) -> None:
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    assert isinstance(services.timestamper, EmbeddedTimeStamper)
    assert isinstance(services.fetcher_backend, EmbeddedFetcherBackend)
    token = asyncio.run(services.timestamper.async_timestamp(dummy_digest("sha256"), "sha256"))
    assert token["content"]["encap_content_info"]["content_type"].native == "tst_info"


def test_http_mode_uses_the_url_and_http_fetching(pki: Pki) -> None:
    services = signing_services(pki_dir=pki.directory, state_dir=None,
                                tsa_url="http://127.0.0.1:3161/tsa")
    assert isinstance(services.timestamper, HTTPTimeStamper)
    assert services.timestamper.url == "http://127.0.0.1:3161/tsa"
    assert services.fetcher_backend is None


def test_validation_context_trusts_only_the_pki_root(pki: Pki) -> None:
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    signer = load_trust_root(pki.signers["staff"].cert)  # any PEM certificate loads
    intermediate = load_trust_root(pki.path("ca.pem"))
    context = services.validation_context()
    assert context.fetching_allowed
    path = asyncio.run(CertificateValidator(
        signer, intermediate_certs=[intermediate],
        validation_context=context).async_validate_usage({"non_repudiation"}))
    assert path.first.dump() == load_trust_root(pki.path("root.pem")).dump()
    assert context.ocsps  # revocation data was fetched (in-process)


def test_settings_choose_the_mode(pki: Pki, tmp_path: Path) -> None:
    embedded = Settings.load(home=tmp_path, env={}, pki_dir=pki.directory)
    assert isinstance(signing_services_from(embedded).timestamper, EmbeddedTimeStamper)
    http = Settings.load(home=tmp_path, env={}, pki_dir=pki.directory, tsa_mode="http",
                         tsa_url="http://127.0.0.1:3161/tsa")
    assert isinstance(signing_services_from(http).timestamper, HTTPTimeStamper)


def test_rejects_a_non_http_tsa_url(pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="not an HTTP URL") as caught:
        signing_services(pki_dir=pki.directory, state_dir=None, tsa_url="ftp://127.0.0.1/tsa")
    assert caught.value.field == "tsa_url"


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_unusable_trust_root_is_a_configuration_error(pki: Pki, tmp_path: Path,
                                                      damage: str) -> None:
    folder = tmp_path / "pki"
    shutil.copytree(pki.directory, folder)
    if damage == "missing":
        (folder / "root.pem").unlink()
    else:
        (folder / "root.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                         "-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigurationError, match="cannot read the trust root") as caught:
        signing_services(pki_dir=folder, state_dir=None)
    assert caught.value.exit_code == 7


def test_http_mode_shares_one_session_per_signature_and_closes_it(
        pki: Pki, tsa_server: str, pki_url_server: str, one_page_pdf: bytes,
        signers: dict[str, ParsedKeySigner]) -> None:
    services = signing_services(pki_dir=pki.directory, state_dir=None,
                                tsa_url=f"{tsa_server}/tsa")
    assert services.http_sessions is not None

    def sign(name: str) -> bytes:
        return sign_pdf(one_page_pdf, signer=signers[name], level=Level.ES_A,
                        timestamper=services.timestamper,
                        validation_context_factory=services.validation_context,
                        at=dt.datetime.now(dt.UTC))

    with ThreadPoolExecutor(max_workers=2) as pool:  # two loops at once never share a session
        signed = list(pool.map(sign, ["staff", "staff-ec", "staff", "staff-ec"]))
    assert all(len(PdfFileReader(BytesIO(pdf)).embedded_signatures) == 2 for pdf in signed)
    assert services.http_sessions.open_sessions == 0
