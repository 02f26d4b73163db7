"""Two web nodes on one registry: what a user comes back to is in the database, not on a node.

A draft previewed on node A is signed on node B; a verification made on node A downloads
from node B (issue 19: a load balancer needs no affinity).  The nodes have homes of their
own and share only the database; one browser session crosses between them, as behind a
load balancer (the session key is the installation's, in the database).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PASSWORD, ROOT, Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient
from issuing_support import FILE_ID, GUARANTEE, draft_of, sign, submit_form, with_bank

from pdfsign.accounts import Role, add_user
from pdfsign.config import Settings
from pdfsign.errors import NotFoundError
from pdfsign.registry import kept
from webui import create_app
from webui.report_store import ReportStore, UnexpectedObjectError, load_run

_LINK = re.compile(r'href="(/verify/reports/[^"]+?)\.json"')
_COOKIE = "pdfsign_session"


@pytest.fixture
def nodes(tmp_path: Path, clock: Clock) -> tuple[Flask, Flask]:
    """Node A and node B: their own homes, one SQLite registry between them."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    apps = []
    for name in ("node-a", "node-b"):
        home = tmp_path / name
        home.mkdir()
        (home / "config.toml").write_text(
            f'trust = ["{ROOT / "fixtures/pki/root.pem"}"]\ndatabase_url = "{database}"\n',
            encoding="utf-8")
        app = create_app(Settings.load(home=home, env={}), clock=clock)
        app.config["TESTING"] = True
        apps.append(app)
    return apps[0], apps[1]


def _signed_in(nodes: tuple[Flask, Flask], user_id: str, role: Role,
               at: dt.datetime) -> tuple[FlaskClient, FlaskClient]:
    """One browser's session on node A, and the same cookie presented to node B."""
    a, b = nodes[0].test_client(), nodes[1].test_client()
    initial = add_user(nodes[0].extensions["pdfsign"].registry, user_id, role=role,
                       name=f"{user_id} 様", actor="test", at=at).initial_password
    post(a, "/login", {"user_id": user_id, "password": initial})
    post(a, "/password", {"current_password": initial, "new_password": PASSWORD,
                          "confirm_password": PASSWORD})
    cookie = a.get_cookie(_COOKIE)
    assert cookie is not None
    b.set_cookie(_COOKIE, cookie.value)
    return a, b


def test_a_draft_made_on_node_a_is_signed_on_node_b(nodes: tuple[Flask, Flask],
                                                    clock: Clock) -> None:
    with_bank(nodes[0].extensions["pdfsign"].registry, clock())
    on_a, on_b = _signed_in(nodes, "issuer01", Role.ISSUER, clock())
    preview = draft_of(submit_form(on_a, "guarantee", GUARANTEE))
    assert on_b.get(preview).status_code == 200
    done = sign(on_b, preview)
    assert done.headers["Location"] == f"/files/{FILE_ID}"
    assert nodes[0].extensions["pdfsign"].registry.file(FILE_ID).issue_count == 1
    assert on_a.get(preview).status_code == 404  # issued on B: gone for A too
    for node in nodes:  # nothing was written in either node's home
        assert not (Path(node.extensions["pdfsign"].settings.home) / "web-drafts").exists()


def test_a_verification_on_node_a_downloads_from_node_b(
        nodes: tuple[Flask, Flask], clock: Clock, signed_pdf: bytes, pki_url_server: str) -> None:
    on_a, on_b = _signed_in(nodes, "auditor01", Role.AUDITOR, clock())
    page = on_a.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": csrf(on_a, "/verify"), "files": [(io.BytesIO(signed_pdf), "good.pdf")]})
    base = _LINK.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    report = json.loads(on_b.get(f"{base}.json").data)
    assert [d["verdict"] for d in report["documents"]] == ["valid"]
    for minutes in (25, 25, 11):  # the session kept alive on B, the report not
        on_b.get("/verify")
        clock.advance(dt.timedelta(minutes=minutes))
    assert on_b.get(f"{base}.json").status_code == 404


class _Boom:
    """What a forged row would carry: an object whose loading runs code."""

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return (print, ("this must never run",))


def test_a_forged_row_never_runs_code(nodes: tuple[Flask, Flask], clock: Clock,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A kept run is loaded with the report's classes only: a row someone else wrote, naming
    any other callable, fails to load and runs nothing."""
    registry = nodes[0].extensions["pdfsign"].registry
    token = "A" * 43
    kept.keep(registry, kind=ReportStore.KIND, token=token, owner="auditor01",
              data=pickle.dumps(_Boom()), at=clock(), keep_for=dt.timedelta(hours=1))
    with pytest.raises(UnexpectedObjectError, match="builtins.print"):
        ReportStore(registry).load(token, owner="auditor01", at=clock())
    assert "must never run" not in capsys.readouterr().out
    with pytest.raises(UnexpectedObjectError):
        load_run(pickle.dumps({"not": "a run"}))


def test_old_items_go_when_the_next_one_is_kept(nodes: tuple[Flask, Flask],
                                                clock: Clock) -> None:
    registry = nodes[0].extensions["pdfsign"].registry
    hour = dt.timedelta(hours=1)
    old, new = kept.new_token(), kept.new_token()
    kept.keep(registry, kind="k", token=old, owner="u", data=b"1", at=clock() - 2 * hour,
              keep_for=hour)
    kept.keep(registry, kind="other", token=old, owner="u", data=b"2",
              at=clock() - 2 * hour, keep_for=hour)
    kept.keep(registry, kind="k", token=new, owner="u", data=b"3", at=clock(), keep_for=hour)
    def read(kind: str, token: str, owner: str = "u") -> bytes:
        return kept.kept(registry, kind=kind, token=token, owner=owner, at=clock(),
                         keep_for=dt.timedelta(days=1), missing=NotFoundError("gone"))

    with pytest.raises(NotFoundError):
        read("k", old)
    assert read("other", old) == b"2"
    assert read("k", new) == b"3"
    with pytest.raises(NotFoundError):
        read("k", new, owner="someone else")
