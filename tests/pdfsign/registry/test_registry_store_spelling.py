"""``migrate-store --to`` the current folder spelled another way is refused, nothing touched.

Copying a store onto itself with ``--delete-source`` would delete every PDF it holds, so
each spelling of the same folder must be recognised as the current store.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from registry_samples import T0, certificate, producer

from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.registry import Registry, set_bank


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home on SQLite whose default folder holds one PDF; the shell is in ``tmp_path``."""
    home = tmp_path / "home"
    registry = Registry.open(Settings.load(home=home, env={}))
    set_bank(registry, code="0001", name="第一テスト銀行", start=T0.date(), actor="t", at=T0)
    registry.issue(certificate(1), producer("v1"), actor="t", at=T0)
    (tmp_path / "link").symlink_to(home / "objects")
    monkeypatch.chdir(tmp_path)
    return home


def _migrate(home: Path, to: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(root, ["migrate-store", "--to", to, "--delete-source"],
                                env={"PDFSIGN_HOME": str(home)})
    return result.exit_code, result.stdout, result.stderr


def _pdfs(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.mark.parametrize("spelling", [
    "{home}/objects/", "{home}/tsa/../objects", "{home}//./objects", "{tmp}/link",
    "home/objects", "./home/objects/", "//./home/objects", "//../{tmp_name}/home/objects",
])
def test_the_current_folder_however_spelled_is_refused(home: Path, spelling: str) -> None:
    tmp = home.parent
    path = spelling.format(home=home, tmp=tmp, tmp_name=tmp.name)
    to = f"file://{path}" if path.startswith("/") and not path.startswith("//") else f"file:{path}"
    kept = _pdfs(home / "objects")
    assert len(kept) == 1
    code, _, stderr = _migrate(home, to)
    assert code == 7
    assert ("--to: 移行先は現在の保存先です / the target is the current store "
            f"({(home / 'objects').as_uri()})") in stderr
    assert _pdfs(home / "objects") == kept  # nothing deleted


def test_another_folder_spelled_relatively_is_where_the_pdfs_go(home: Path) -> None:
    code, stdout, _ = _migrate(home, "file:moved/")
    assert code == 0, stdout
    assert f"→ {(home.parent / 'moved').as_uri()}: 1 PDFs, 1 copied" in stdout
    assert len(_pdfs(home.parent / "moved")) == 1
    assert _pdfs(home / "objects") == []  # --delete-source, once the copy was verified


def test_a_host_that_is_not_this_machine_is_refused_naming_the_option(home: Path) -> None:
    code, _, stderr = _migrate(home, "file://home/objects")  # "home" is a host name here
    assert code == 7
    assert "--to: must be file:///PATH" in stderr
    assert len(_pdfs(home / "objects")) == 1
