"""The bulk download tool against the real server (waitress on 127.0.0.1): each case
asserts the log lines, the files in the output folder and the CSV list.

Every test has banks of its own in the one session server (:mod:`conftest`), so they do
not see each other's files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import (
    PASSWORD,
    Bank,
    Gate,
    csv_rows,
    expected_rows,
    fetch,
    free_port,
    now,
    pdf_bytes,
    without_search_kind,
)
from flask import Flask

from pdfsign.accounts import Role
from pdfsign.fetch import ExitCode
from pdfsign.fetch.state import JOURNAL_NAME, STATE_NAME
from pdfsign.issuing import transfer
from pdfsign.registry import files_csv
from webui.serving import ServerThread

ROOT = Path(__file__).resolve().parents[2]
BankMaker = Callable[[str], Bank]
SettingsMaker = Callable[..., Path]


def _downloads(ids: list[str], first: int = 1) -> list[str]:
    return [f"[INFO] download [{n}] {file_id}" for n, file_id in enumerate(ids, start=first)]


def _assert_listed(path: Path, bank: Bank, ids: list[str]) -> None:
    """The CSV holds exactly ``ids``' current metadata, in this order."""
    assert without_search_kind(csv_rows(path)) == \
        without_search_kind(expected_rows([bank.info(i) for i in ids]))


# -- the ordinary runs -------------------------------------------------------------------------

def test_nothing_new(bank: BankMaker, settings_for: SettingsMaker) -> None:
    empty = bank("1001")
    outcome = fetch(settings_for(empty.head))
    assert (outcome.code, outcome.lines) == (ExitCode.OK, ["[INFO] no new data"])
    assert outcome.pdfs == {}
    assert outcome.lists == []
    assert [p.name for p in outcome.output_dir.iterdir()] == [STATE_NAME]


def test_three_new_files_then_no_new_data_then_a_reissue(bank: BankMaker,
                                                         settings_for: SettingsMaker) -> None:
    mine = bank("1002")
    ids = mine.issue(3)
    config = settings_for(mine.head)

    first = fetch(config)
    assert (first.code, first.lines) == (ExitCode.OK, [*_downloads(ids), "[INFO] done"])
    assert first.pdfs == {i: pdf_bytes(i, 1) for i in ids}
    [listed] = first.lists
    _assert_listed(listed, mine, ids)

    again = fetch(config)  # the three are inside the overlap, and skipped
    assert (again.code, again.lines) == (ExitCode.OK, ["[INFO] no new data"])
    assert again.lists == [listed]

    mine.reissue(ids[1])
    [fourth] = mine.issue(1)
    third = fetch(config)
    assert third.lines == [*_downloads([ids[1], fourth]), "[INFO] done"]
    assert third.pdfs == {ids[0]: pdf_bytes(ids[0], 1), ids[1]: pdf_bytes(ids[1], 2),
                          ids[2]: pdf_bytes(ids[2], 1), fourth: pdf_bytes(fourth, 1)}
    [_, newest] = third.lists
    _assert_listed(newest, mine, [ids[1], fourth])
    assert [row["current_version"] for row in csv_rows(newest)] == ["2", "1"]


def test_the_list_is_the_servers_files_csv(bank: BankMaker, settings_for: SettingsMaker) -> None:
    mine = bank("1010")
    ids = mine.issue(2)
    outcome = fetch(settings_for(mine.head))
    assert outcome.lists[0].read_bytes() == \
        ("\ufeff" + files_csv([mine.info(i) for i in ids])).encode()


def test_a_personal_token_instead_of_a_password(bank: BankMaker,
                                                settings_for: SettingsMaker) -> None:
    mine = bank("1011")
    ids = mine.issue(1)
    outcome = fetch(settings_for(None, password=None, token=mine.token(mine.head)))
    assert outcome.lines == [*_downloads(ids), "[INFO] done"]
    assert list(outcome.pdfs) == ids


def test_an_interrupted_run_resumes_without_downloading_twice(
        bank: BankMaker, settings_for: SettingsMaker, gate: Callable[..., Gate]) -> None:
    """The process is killed while its third download is on the wire; the next run takes
    the two files it wrote as had and fetches only the third."""
    mine = bank("1003")
    ids = mine.issue(3)
    config = settings_for(mine.head)
    held = gate(".pdf", "hold", nth=3)
    process = subprocess.Popen([sys.executable, "-m", "pdfsign.fetch", "--config", str(config)],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert held.reached.wait(timeout=60), "the third download never came"
    finally:
        process.kill()
        _, stderr = process.communicate(timeout=30)
        held.release()
    lines = [line.split(" ", 2)[2] for line in stderr.splitlines()]
    assert lines == _downloads(ids[:2])
    out = config.parent / "out"
    assert {p.name for p in out.glob("*.pdf")} == {f"{i}.pdf" for i in ids[:2]}
    assert (out / JOURNAL_NAME).exists()
    assert not list(out.glob("files_*.csv"))

    resumed = fetch(config)
    assert resumed.lines == [*_downloads(ids[2:], first=3), "[INFO] done"]
    assert resumed.pdfs == {i: pdf_bytes(i, 1) for i in ids}
    assert [held.seen[f"/api/v1/files/{i}.pdf"] for i in ids] == [1, 1, 2]
    [listed] = resumed.lists
    _assert_listed(listed, mine, ids)  # the interrupted run's files too
    assert not (out / JOURNAL_NAME).exists()
    assert fetch(config).lines == ["[INFO] no new data"]


def test_a_file_transferred_away_is_not_pulled_by_the_old_bank(
        bank: BankMaker, settings_for: SettingsMaker, tmp_path: Path) -> None:
    old, new = bank("1004"), bank("1005")
    pulled, moved_early = old.issue(2)
    old_config = settings_for(old.head)
    assert fetch(old_config).lines == [*_downloads([pulled, moved_early]), "[INFO] done"]

    [moved_before_pull] = old.issue(1)
    for file_id in (pulled, moved_before_pull):
        transfer(old.registry, file_id, bank_code=new.code, branch_code="001", actor="test",
                 at=now())
    new.reissue(pulled)  # a corrected certificate, now the new bank's

    after = fetch(old_config)
    assert after.lines == ["[INFO] no new data"]
    assert after.pdfs[pulled] == pdf_bytes(pulled, 1)  # the old copy stays; v2 never came
    assert moved_before_pull not in after.pdfs

    (tmp_path / "new").mkdir()
    new_config = settings_for(new.head, name="new/fetch.toml",
                              output_dir=str(tmp_path / "new"))
    taken = fetch(new_config)
    assert taken.code == ExitCode.OK
    assert sorted(taken.lines[:-1]) == sorted(_downloads([moved_before_pull, pulled]))
    assert (tmp_path / "new" / f"{pulled}.pdf").read_bytes() == pdf_bytes(pulled, 2)
    assert {row["bank_code"] for row in csv_rows(taken.lists[0])} == {new.code}


# -- the network -------------------------------------------------------------------------------

def test_the_server_down_then_up_again_within_the_retries(
        bank: BankMaker, settings_for: SettingsMaker, fetch_app: Flask) -> None:
    mine = bank("1006")
    ids = mine.issue(1)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = settings_for(mine.head, service_url=url, retry_count=3, retry_wait=1)
    servers: list[ServerThread] = []

    def wait_and_start(seconds: float) -> None:  # the server comes back during the wait
        assert seconds == 1
        if not servers:
            servers.append(ServerThread(fetch_app, port=port).start())

    try:
        outcome = fetch(config, sleep=wait_and_start)
    finally:
        for server in servers:
            server.stop()
    assert outcome.code == ExitCode.OK
    [warning, *rest] = outcome.lines
    assert warning.startswith(f"[WARN] connection error: {url}/api/v1/bulk/session: ")
    assert warning.endswith("(retry 1 of 3 in 1 s)")
    assert rest == [*_downloads(ids), "[INFO] done"]
    assert list(outcome.pdfs) == ids


def test_the_server_down_for_good(settings_for: SettingsMaker) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    waits: list[float] = []
    outcome = fetch(settings_for("14100700001", service_url=url, retry_count=2, retry_wait=3),
                    sleep=waits.append)
    assert outcome.code == ExitCode.CONNECTION
    prefix = f"connection error: {url}/api/v1/bulk/session: Connection refused"
    assert outcome.lines == [f"[WARN] {prefix} (retry 1 of 2 in 3 s)",
                             f"[WARN] {prefix} (retry 2 of 2 in 3 s)", f"[ERROR] {prefix}"]
    assert waits == [3, 3]
    assert list(outcome.output_dir.iterdir()) == []


def test_a_slow_answer_times_out_and_is_retried(bank: BankMaker, settings_for: SettingsMaker,
                                                gate: Callable[..., Gate],
                                                fetch_server: str) -> None:
    mine = bank("1012")
    ids = mine.issue(1)
    gate("/api/v1/bulk/files", "slow", delay=1.5)
    # a token: the password sign-in (argon2) may itself take longer than 0.3 s
    outcome = fetch(settings_for(None, password=None, token=mine.token(mine.head),
                                 read_timeout=0.3))
    assert outcome.lines == [
        f"[WARN] receive error: {fetch_server}/api/v1/bulk/files: no answer within 0.3 s "
        f"(read_timeout) (retry 1 of 2 in 0 s)", *_downloads(ids), "[INFO] done"]


def test_a_download_that_does_not_match_its_digest_is_not_kept(
        bank: BankMaker, settings_for: SettingsMaker, gate: Callable[..., Gate],
        fetch_server: str) -> None:
    mine = bank("1013")
    [file_id] = mine.issue(1)
    gate(".pdf", "corrupt")
    outcome = fetch(settings_for(mine.head))
    assert outcome.code == ExitCode.RECEIVE
    assert outcome.lines == [f"[ERROR] receive error: {fetch_server}/api/v1/files/{file_id}.pdf:"
                             f" the file does not match its SHA-256 (Repr-Digest); not kept"]
    assert outcome.pdfs == {}
    assert not list(outcome.output_dir.glob(".pdfsign-fetch-*.tmp"))


# -- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["wrong", "initial"])
def test_a_wrong_password(bank: BankMaker, settings_for: SettingsMaker, case: str) -> None:
    mine = bank("1007" if case == "wrong" else "1014")
    mine.issue(1)
    user_id = f"14{mine.code}00002"
    password = mine.user(user_id, Role.BANK_HEAD, change=case == "wrong")
    given = "Wrong2026pw" if case == "wrong" else password
    outcome = fetch(settings_for(user_id, password=given))
    assert outcome.code == ExitCode.SERVER_STATUS
    [line] = outcome.lines
    assert line.startswith("[ERROR] bad server status: 401 authentication-failed: ")
    assert line.endswith("(POST /api/v1/bulk/session)")
    if case == "initial":
        assert "change it" in line
    assert list(outcome.output_dir.iterdir()) == []


@pytest.mark.parametrize("credential", ["password", "token"])
def test_a_branch_user(bank: BankMaker, settings_for: SettingsMaker, credential: str) -> None:
    mine = bank("1008" if credential == "password" else "1015")
    mine.issue(1)
    branch_user = f"14{mine.code}00201"
    mine.user(branch_user, Role.BANK_BRANCH)
    given = {"password": PASSWORD} if credential == "password" else \
        {"password": None, "token": mine.token(branch_user)}
    outcome = fetch(settings_for(branch_user, **given))
    assert outcome.code == ExitCode.SERVER_STATUS
    path = "POST /api/v1/bulk/session" if credential == "password" else "GET /api/v1/bulk/files"
    [line] = outcome.lines
    assert line.startswith("[ERROR] bad server status: 403 branch-user: ")
    assert "ユーザが営業店です" in line
    assert line.endswith(f"({path})")
    assert list(outcome.output_dir.iterdir()) == []


# -- the output folder ---------------------------------------------------------------------------

@contextlib.contextmanager
def _unwritable(folder: Path) -> Iterator[None]:
    """No new file in ``folder``, even for root (``chattr +i``); skip where neither works."""
    as_root = os.geteuid() == 0
    if as_root and shutil.which("chattr") is None:
        pytest.skip("chattr is needed to make a folder unwritable for root")
    command = ["chattr", "+i", str(folder)]
    if as_root:
        subprocess.run(command, check=True)
    else:
        folder.chmod(0o555)
    try:
        probe = folder / "probe"
        with contextlib.suppress(OSError):
            probe.touch()
            probe.unlink()
            pytest.skip("this file system lets a read-only folder be written")
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_an_unwritable_output_folder(bank: BankMaker, settings_for: SettingsMaker) -> None:
    mine = bank("1009")
    [file_id] = mine.issue(1)
    config = settings_for(mine.head)
    out = config.parent / "out"
    with _unwritable(out):
        outcome = fetch(config)
    assert outcome.code == ExitCode.FILE_ACCESS
    [line] = outcome.lines
    assert line.startswith(f"[ERROR] file read/write error: {out / file_id}.pdf: ")
    assert line.split(": ")[-1] in ("Operation not permitted", "Permission denied")
    assert list(out.iterdir()) == []
    assert fetch(config).lines == [*_downloads([file_id]), "[INFO] done"]  # nothing was lost
