"""verify.fetching: one fetch per URL per document; a run's later files reuse what was
fetched while it is valid, separate calls fetch anew.

A PKI of its own whose certificates point at a counting server on an OS-chosen port of
127.0.0.1 (the shared server at :3161 cannot say how often it was asked).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from verify_samples import base_pdf, sign

from tsa import EmbeddedTimeStamper
from tsa.http import create_app
from tsa.pki import Pki, generate_pki
from tsa.services import PkiServices
from verify import Verdict, load_trust_settings, verify_paths, verify_pdf
from verify.fetching import DocumentFetcherBackend


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """No access log on the test's stderr."""


@dataclass
class _Counting:
    """The PKI's WSGI app, counting requests by method and path."""

    app: Any
    seen: Counter[str]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.seen[f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"] += 1
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@dataclass(frozen=True)
class _Online:
    pki: Pki
    counting: _Counting
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Online]:
    """A fresh PKI served by a counting server, and ES-T files signed by its signers."""
    server: WSGIServer = make_server("127.0.0.1", 0, lambda e, s: [], handler_class=_Quiet)
    at = dt.datetime.now(dt.UTC)
    pki = generate_pki(tmp_path_factory.mktemp("online-pki"), at=at,
                       base_url=f"http://127.0.0.1:{server.server_port}")
    services = PkiServices.from_pki(pki, state_dir=None)
    counting = _Counting(create_app(services), Counter())
    server.set_app(counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stamper = EmbeddedTimeStamper(services.authority)
    files = {name: sign(base_pdf(), pki, signer=name, lta=False, at=at, crls={},
                        timestamper=stamper) for name in ("staff", "revoked")}
    try:
        yield _Online(pki, counting, files)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _verify(online: _Online, name: str) -> Verdict:
    settings = load_trust_settings(trust=[online.pki.path("root.pem")])
    report = verify_pdf(online.files[name], path=f"{name}.pdf", settings=settings,
                        at=dt.datetime.now(dt.UTC))
    return report.verdict


def test_each_document_asks_the_responder_once(online: _Online) -> None:
    """pyHanko's AdES run and every matrix cell share the fetched OCSP response; the next
    document asks again (a revocation in between would not be missed)."""
    online.counting.seen.clear()
    assert _verify(online, "staff") is Verdict.VALID
    assert online.counting.seen["POST /ocsp"] == 1, online.counting.seen
    assert _verify(online, "staff") is Verdict.VALID
    assert online.counting.seen["POST /ocsp"] == 2, online.counting.seen


def test_a_run_asks_the_responder_once_for_all_its_files(online: _Online,
                                                          tmp_path: Path) -> None:
    """The run's revocation cache: three files by one signer, one OCSP request."""
    for n in range(3):
        (tmp_path / f"staff-{n}.pdf").write_bytes(online.files["staff"])
    settings = load_trust_settings(trust=[online.pki.path("root.pem")])
    online.counting.seen.clear()
    run = verify_paths([tmp_path], settings=settings, at=dt.datetime.now(dt.UTC))
    assert [d.verdict for d in run.documents] == [Verdict.VALID] * 3
    assert online.counting.seen["POST /ocsp"] == 1, online.counting.seen
    assert all(d.signatures[0].revocation.sources == ("fetched",) for d in run.documents)


def test_a_fetched_revocation_is_seen(online: _Online) -> None:
    online.counting.seen.clear()
    assert _verify(online, "revoked") is Verdict.REVOKED
    assert online.counting.seen["POST /ocsp"] >= 1


def test_one_backend_hands_out_one_set_of_fetchers() -> None:
    backend = DocumentFetcherBackend()
    assert backend.get_fetchers() is backend.get_fetchers()
    assert DocumentFetcherBackend().get_fetchers() is not backend.get_fetchers()

