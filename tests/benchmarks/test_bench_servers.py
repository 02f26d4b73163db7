"""benchmarks.servers: ``pdfsign tsa serve`` started on demand, reused when already there."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from benchmarks.servers import PkiServer, free_port, serves_pki
from benchmarks.workbench import Workbench


@pytest.fixture
def bench(tmp_path: Path) -> Workbench:
    return Workbench(work=tmp_path)


def test_a_closed_port_serves_nothing(bench: Workbench) -> None:
    assert not serves_pki(f"http://127.0.0.1:{free_port()}", bench.pki_dir / "ca.pem")


def test_a_server_of_another_ca_is_not_ours(bench: Workbench, tsa_server: str) -> None:
    # the tsa_server fixture serves the same PKI: its CRL is signed by our CA ...
    assert serves_pki(tsa_server, bench.pki_dir / "ca.pem")
    # ... and not by the root, so a "CA" that did not sign it is refused.
    assert not serves_pki(tsa_server, bench.pki_dir / "root.pem")


def test_server_starts_on_demand_and_stops(bench: Workbench) -> None:
    with PkiServer(bench.pki_dir, port=free_port(), state_dir=bench.folder("state")) as server:
        url = server.ensure()
        assert url == server.url
        assert requests.get(f"{url}/crl/root.crl", timeout=5).status_code == 200
        assert server.ensure() == url  # already answering: nothing new is started
    assert not serves_pki(url, bench.pki_dir / "ca.pem")


def test_someone_elses_server_is_used_and_left_running(bench: Workbench,
                                                       tsa_server: str) -> None:
    port = int(tsa_server.rsplit(":", 1)[1])
    with PkiServer(bench.pki_dir, port=port, state_dir=bench.folder("state")) as server:
        assert server.ensure() == tsa_server
    assert serves_pki(tsa_server, bench.pki_dir / "ca.pem")


def test_a_server_that_cannot_start_is_reported(bench: Workbench) -> None:
    server = PkiServer(bench.folder("empty-pki"), port=free_port(),
                       state_dir=bench.folder("state"))
    with pytest.raises(RuntimeError, match="exited"):
        server.ensure()
