"""benchmarks.workbench: the shared inputs (sample variants, PIN file, scratch folders)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from benchmarks.workbench import PIN, Workbench
from pdfsign.documents import parse_document
from pdfsign.issuing import file_id_for


def test_each_guarantee_variant_is_valid_and_has_its_own_file_id(tmp_path: Path) -> None:
    bench = Workbench(work=tmp_path)
    ids = {file_id_for(parse_document(bench.guarantee(i))) for i in (0, 1, 99_999, 100_000)}
    assert len(ids) == 4


def test_variants_do_not_change_the_sample(tmp_path: Path) -> None:
    bench = Workbench(work=tmp_path)
    bench.guarantee(7)
    assert bench.sample("guarantee")["guarantee_number"] == 2026001234


def test_pin_file_is_private(tmp_path: Path) -> None:
    path = Workbench(work=tmp_path).pin_file()
    assert path.read_text(encoding="utf-8") == PIN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_folders_are_fresh(tmp_path: Path) -> None:
    bench = Workbench(work=tmp_path)
    assert bench.folder("a").is_dir()
    with pytest.raises(FileExistsError):
        bench.folder("a")


def test_pki_paths_exist(tmp_path: Path) -> None:
    bench = Workbench(work=tmp_path)
    assert bench.signer_p12.is_file()
    assert bench.root_pem.is_file()
