"""The banks' side through the web: who sees which file, as a table of role × bank × branch ×
file state, and the downloads, ZIP and notification setting."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Callable

import pytest
from conftest import Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role, get_user
from pdfsign.registry import NewFile, Registry, set_bank

DAY = dt.date(2026, 10, 1)


def _file(n: int, bank: str, branch: str, association: str = "14") -> NewFile:
    customer, guarantee = f"{n:09d}", f"{1000000000 + n:010d}"
    return NewFile(file_id=f"{association}_{bank}{branch}_{customer}_{guarantee}_000",
                   kind="guarantee", association_code=association, bank_code=bank,
                   branch_code=branch, customer_number=customer, guarantee_number=guarantee,
                   change_number="000", customer_name=f"顧客{n}", guarantee_date=DAY)


def _pdf(*_: object) -> bytes:
    """Stand-in bytes: the registry stores them without parsing (these tests are about access)."""
    return f"%PDF-1.7\n% {uuid.uuid4()}\n%%EOF\n".encode()


#: file → (bank, branch at issue, what happens to it afterwards)
FILES = {
    "a-002": (1, "2345", "002", None),
    "a-003": (2, "2345", "003", None),
    "moved": (3, "2345", "002", "transfer"),     # to bank 5555 branch 001
    "gone": (4, "2345", "002", "subrogate"),     # access ended yesterday
    "notice": (5, "2345", "003", "invalidate"),  # the notice is current: still delivered
    "other": (6, "5555", "001", None),
    "assoc": (7, "2345", "002", "other-association"),
}
USERS = {
    "head-2345": ("14234500001", Role.BANK_HEAD),
    "branch-002": ("14234500201", Role.BANK_BRANCH),
    "branch-003": ("14234500301", Role.BANK_BRANCH),
    "head-5555": ("14555500001", Role.BANK_HEAD),
}
#: Who sees which file (everything else: not listed, and 404 on download).
SEES = {
    "head-2345": {"a-002", "a-003", "notice"},
    "branch-002": {"a-002"},
    "branch-003": {"a-003", "notice"},
    "head-5555": {"other", "moved"},
}


@pytest.fixture
def filled(app: Flask, clock: Clock) -> dict[str, str]:
    """The files of :data:`FILES`, in their states; returns name → file ID."""
    registry: Registry = app.extensions["pdfsign"].registry
    at = clock()
    for code, name in (("2345", "みらい銀行"), ("5555", "ひかり銀行")):
        set_bank(registry, code=code, name=name, start=dt.date(2026, 1, 1), actor="t", at=at)
    ids = {}
    for name, (n, bank, branch, then) in FILES.items():
        new = _file(n, bank, branch, association="13" if then == "other-association" else "14")
        registry.issue(new, _pdf, actor="t", at=at)
        if then == "transfer":
            registry.transfer(new.file_id, bank_code="5555", branch_code="001", actor="t", at=at)
        elif then == "subrogate":
            registry.subrogate(new.file_id, on=(at - dt.timedelta(days=1)).date(), actor="t",
                               at=at)
        elif then == "invalidate":
            registry.invalidate(new.file_id, "cancelled", _pdf, actor="t", at=at)
        ids[name] = new.file_id
    return ids


@pytest.mark.parametrize("who", list(USERS))
def test_each_bank_user_sees_exactly_its_files(who: str, filled: dict[str, str], app: Flask,
                                               sign_in: Callable[..., FlaskClient]) -> None:
    user_id, role = USERS[who]
    client = sign_in(app.test_client(), user_id, role, email=f"{who}@example.jp")
    page = client.get("/bank/files").get_data(as_text=True)
    for name, file_id in filled.items():
        listed = f">{file_id}</a>" in page
        download = client.get(f"/bank/files/{file_id}.pdf")
        assert listed is (name in SEES[who]), (who, name)
        assert download.status_code == (200 if name in SEES[who] else 404), (who, name)


def test_bank_users_never_open_staff_pages(filled: dict[str, str], app: Flask,
                                           sign_in: Callable[..., FlaskClient]) -> None:
    client = sign_in(app.test_client(), "14234500001", Role.BANK_HEAD)
    for path in ("/files", f"/files/{filled['a-002']}", "/verify", "/admin/audit",
                 "/issue/guarantee", f"/files/{filled['a-002']}/versions/1.pdf"):
        assert client.get(path).status_code == 403, path
    assert client.get("/").headers["Location"] == "/bank/files"


def test_a_zip_of_the_selection_holds_only_what_the_user_may_see(
        filled: dict[str, str], app: Flask, sign_in: Callable[..., FlaskClient]) -> None:
    client = sign_in(app.test_client(), "14234500201", Role.BANK_BRANCH)
    token = csrf(client, "/bank/files")
    mine = client.post("/bank/files/zip", data={"csrf_token": token,
                                                 "file_id": [filled["a-002"]]})
    assert zipfile.ZipFile(io.BytesIO(mine.data)).namelist() == [
        f"{filled['a-002']}.pdf", "files.csv"]
    theirs = client.post("/bank/files/zip", data={"csrf_token": token,
                                                   "file_id": [filled["a-003"]]})
    assert theirs.status_code == 404  # as if it did not exist
    everything = client.post("/bank/files/zip", data={"csrf_token": token, "all": "1"})
    assert zipfile.ZipFile(io.BytesIO(everything.data)).namelist() == [
        f"{filled['a-002']}.pdf", "files.csv"]


def test_the_notification_setting_is_the_users_own(app: Flask,
                                                   sign_in: Callable[..., FlaskClient]) -> None:
    client = sign_in(app.test_client(), "14234500201", Role.BANK_BRANCH,
                     email="branch@example.jp")
    registry = app.extensions["pdfsign"].registry
    assert get_user(registry, "14234500201").notify
    post(client, "/bank/settings", {"notify": "off"})
    assert not get_user(registry, "14234500201").notify
    assert 'value="off" checked' in client.get("/bank/settings").get_data(as_text=True)
