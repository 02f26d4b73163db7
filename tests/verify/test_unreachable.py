"""Revocation services down: a file whose own data proves it valid stays valid, nothing more.

Two fresh PKIs, so that what answers on the certificates' URLs is known for sure:

- ``down`` — its CRL/OCSP URLs point at a free port of 127.0.0.1 that was bound once to
  learn its number and then closed, so nothing listens there (checked before use).
- ``up`` — its URLs point at our services on an OS-chosen port, for the online answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jsonschema
import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed, AdESSubIndic
from pyhanko.sign.validation.ades import AdESBasicValidationResult, ValidationObjectSet
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.errors import CRLFetchError
from verify_samples import base_pdf, make_crls, product_signed, sign, tamper_samples

from tsa.http import create_app
from tsa.pki import Pki, generate_pki
from tsa.services import PkiServices
from verify import (
    CellStatus,
    DocumentReport,
    Level,
    ServiceFailure,
    Verdict,
    VerificationRun,
    load_trust_settings,
    verify_pdf,
)
from verify.fetching import DocumentFetcherBackend, Outcome, ades_final, online_or_local
from verify.formats import render_json, render_text

SCHEMA = Path(__file__).resolve().parents[2] / "verify" / "report.schema.json"


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on: bound by the OS's choice, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    assert not _listening(port)
    return port


def _with_dss_crls(pdf: bytes, pki: Pki, crls: dict[str, bytes]) -> bytes:
    """``pdf`` with a DSS holding ``crls`` and the issuing CA: B-LT data added after signing
    (pyHanko rightly refuses to sign, and so to embed data, for a revoked certificate)."""
    out = io.BytesIO(pdf)
    ca = asn1_x509.Certificate.load(pki.certificate("ca").public_bytes(Encoding.DER))
    DocumentSecurityStore.add_dss(
        out, None, certs=[ca], crls=[asn1_crl.CertificateList.load(d) for d in crls.values()])
    return out.getvalue()


@dataclass(frozen=True)
class _Pki:
    pki: Pki
    base_url: str
    files: dict[str, bytes]
    crl_files: tuple[Path, ...]


@pytest.fixture(scope="module")
def down(tmp_path_factory: pytest.TempPathFactory) -> _Pki:
    """A PKI whose services are unreachable, with files signed while they were not."""
    port = _closed_port()
    base_url = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("down-pki")
    at = dt.datetime.now(dt.UTC)
    pki = generate_pki(folder / "pki", at=at, base_url=base_url)
    files = product_signed(pki, at)
    files["tampered-es-a"] = tamper_samples(files["es-a"])["tampered-bytes"]
    files["revoked"] = sign(base_pdf(), pki, signer="revoked", lta=False, at=at, crls={})
    crls = make_crls(pki, at)
    files["revoked-dss"] = _with_dss_crls(files["revoked"], pki, crls)
    crl_files = []
    for name, der in crls.items():
        crl_files.append(folder / f"{name}.crl")
        crl_files[-1].write_bytes(der)
    assert not _listening(port)
    return _Pki(pki, base_url, files, tuple(crl_files))


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """No access log on the test's stderr."""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Pki]:
    """A PKI served on 127.0.0.1, and a B-LT file of its revoked signer whose DSS holds
    CRLs made as if the signer were still good: old embedded data, a fresh online answer."""
    server: WSGIServer = make_server("127.0.0.1", 0, lambda e, s: [], handler_class=_Quiet)
    base_url = f"http://127.0.0.1:{server.server_port}"
    at = dt.datetime.now(dt.UTC)
    pki = generate_pki(tmp_path_factory.mktemp("up-pki"), at=at, base_url=base_url)
    server.set_app(create_app(PkiServices.from_pki(pki, state_dir=None)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # issued in the second of the signature time-stamp (at): in time to vouch for it offline
    good = make_crls(dataclasses.replace(pki, revocations=()), at,
                     issued=at.replace(microsecond=0))
    files = {"revoked-embedded-good": sign(base_pdf(), pki, signer="revoked", lta=False,
                                           dss=True, at=at, crls=good)}
    try:
        yield _Pki(pki, base_url, files, ())
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _verify(env: _Pki, name: str, *, offline: bool = False,
            crls: tuple[Path, ...] = ()) -> DocumentReport:
    settings = load_trust_settings(trust=[env.pki.path("root.pem")], crls=crls,
                                   offline=offline)
    return verify_pdf(env.files[name], path=f"{name}.pdf", settings=settings,
                      at=dt.datetime.now(dt.UTC))


def test_es_a_is_valid_from_its_own_dss_when_the_services_are_down(down: _Pki) -> None:
    report = _verify(down, "es-a")
    assert report.verdict is Verdict.VALID, report.reason
    assert report.level is Level.B_LTA
    signature = report.signatures[0]
    assert signature.revocation.status == "good"
    assert signature.revocation.sources == ("dss",)
    assert signature.validity["now"] is CellStatus.VALID
    assert {f.url for f in report.unreachable} <= {f"{down.base_url}/ocsp",
                                                   f"{down.base_url}/crl/ca.crl",
                                                   f"{down.base_url}/crl/root.crl"}
    assert signature.revocation.unreachable
    assert all(f.reason == "connection refused" for f in report.unreachable)


def test_es_a_offline_reports_no_unreachable_service(down: _Pki) -> None:
    """Offline nothing is asked, so nothing can be unreachable; the verdict is the same."""
    report = _verify(down, "es-a", offline=True)
    assert report.verdict is Verdict.VALID
    assert report.unreachable == ()


def test_es_t_stays_indeterminate_and_says_why(down: _Pki) -> None:
    """No DSS, nothing supplied: the services were the only source (ETSI TRY_LATER)."""
    report = _verify(down, "es-t")
    assert report.verdict is Verdict.INDETERMINATE
    assert report.level is None
    assert report.subindication == "TRY_LATER"
    assert report.reason is not None
    assert "revocation data could not be obtained" in report.reason
    assert down.base_url in report.reason
    signature = report.signatures[0]
    assert signature.subindication == "TRY_LATER"
    assert signature.revocation.status == "unknown"
    assert "fetched" not in signature.revocation.sources
    assert signature.validity["now"] is CellStatus.NO_REVOCATION_DATA


def test_es_t_offline_keeps_the_generic_sub_indication(down: _Pki) -> None:
    """TRY_LATER only when a service failed; offline nothing was tried."""
    report = _verify(down, "es-t", offline=True)
    assert report.verdict is Verdict.INDETERMINATE
    assert report.subindication == "CERTIFICATE_CHAIN_GENERAL_FAILURE"


def test_tampered_es_a_stays_invalid_when_the_services_are_down(down: _Pki) -> None:
    report = _verify(down, "tampered-es-a")
    assert report.verdict is Verdict.INVALID_INTEGRITY


@pytest.mark.parametrize("supplied", [False, True], ids=["dss", "supplied-crl"])
def test_revoked_signer_stays_revoked_when_the_services_are_down(down: _Pki,
                                                                  supplied: bool) -> None:
    """Revoked before the proven signing time, known from the DSS or a ``--crl`` file."""
    name, crls = ("revoked", down.crl_files) if supplied else ("revoked-dss", ())
    report = _verify(down, name, crls=crls)
    assert report.verdict is Verdict.REVOKED, report.reason
    revocation = report.signatures[0].revocation
    assert revocation.status == "revoked"
    assert revocation.sources == (("supplied",) if supplied else ("dss",))
    assert revocation.unreachable


def test_revoked_signer_without_any_data_is_not_valid(down: _Pki) -> None:
    report = _verify(down, "revoked")
    assert report.verdict is Verdict.INDETERMINATE
    assert report.subindication == "TRY_LATER"


def test_a_fresh_online_revocation_beats_the_embedded_good(up: _Pki) -> None:
    """Online the responder says revoked; the file's own (older) data says good."""
    offline = _verify(up, "revoked-embedded-good", offline=True)
    assert offline.verdict is Verdict.VALID
    report = _verify(up, "revoked-embedded-good")
    assert report.verdict is Verdict.REVOKED, report.reason
    signature = report.signatures[0]
    assert signature.revocation.status == "revoked"
    assert signature.validity["now"] is CellStatus.REVOKED
    assert report.unreachable == ()


@pytest.mark.parametrize(("subindic", "final"), [
    (AdESPassed.OK, True),
    (AdESFailure.HASH_FAILURE, True),
    (AdESIndeterminate.REVOKED_NO_POE, True),
    (AdESIndeterminate.REVOKED_CA_NO_POE, True),
    (AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE, True),
    (AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE, False),
    (AdESIndeterminate.TRY_LATER, False),
])
def test_which_answers_a_run_without_fetching_may_replace(subindic: AdESSubIndic,
                                                          final: bool) -> None:
    """Never a pass, a failure or a revocation: only what missing data can explain."""
    result: AdESBasicValidationResult[Any] = AdESBasicValidationResult(
        ades_subindic=subindic, api_status=None, failure_msg=None,
        validation_objects=ValidationObjectSet(()))
    assert ades_final(result) is final


@pytest.mark.parametrize(("final", "expected"), [(True, "online"), (False, "local")])
def test_online_or_local_after_a_failed_fetch(down: _Pki, final: bool, expected: str) -> None:
    """A final online answer stands; any other is replaced by the local run."""
    backend = DocumentFetcherBackend()
    ca = asn1_x509.Certificate.load(down.pki.certificate("ca").public_bytes(Encoding.DER))

    async def online() -> str:
        with pytest.raises(CRLFetchError):
            await backend.get_fetchers().crl_fetcher.fetch(ca)
        return "online"

    async def local() -> str:
        return "local"

    outcome = asyncio.run(online_or_local(online, local, backend=backend,
                                          final=lambda _: final))
    failure = ServiceFailure(f"{down.base_url}/crl/root.crl", "crl", "connection refused")
    assert outcome == Outcome(expected, (failure,), local=not final)


def test_online_or_local_without_a_failure_keeps_the_online_answer() -> None:
    async def online() -> str:
        return "online"

    async def local() -> str:
        return "local"

    outcome = asyncio.run(online_or_local(online, local, backend=DocumentFetcherBackend(),
                                          final=lambda _: False))
    assert outcome == Outcome("online")


def test_reports_say_the_services_were_unreachable(down: _Pki) -> None:
    report = _verify(down, "es-a")
    run = VerificationRun((report,), report.validated_at)
    data = json.loads(render_json(run))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert sorted(cls(schema).iter_errors(data), key=str) == []
    document = data["documents"][0]
    assert document["verdict"] == "valid"
    assert document["unreachable"]
    assert all(u["url"].startswith(down.base_url) and u["reason"] == "connection refused"
               for u in document["unreachable"])
    assert document["signatures"][0]["revocation"]["sources"] == ["dss"]
    assert document["signatures"][0]["revocation"]["unreachable"]
    english = render_text(run, lang="en")
    assert "revocation services unreachable" in english
    assert f"{down.base_url}/" in english
    assert "validated with the revocation data in the file" in english
    assert "接続できない失効確認サービス" in render_text(run, lang="ja")
