"""Visual regression: each sample rasterised with pdftoppm matches its committed reference PNG.

Regenerate the references after an intended layout change with
``PDFSIGN_UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/pdfsign/render`` and look at them.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from render_samples import SAMPLE_NAMES, Rendered

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
#: pdftoppm resolution: small files, still enough to see a moved table or a lost font.
DPI = 50
#: A pixel differs when its grey level moves by more than this (anti-aliasing noise is below).
PIXEL_THRESHOLD = 48
#: The page fails when more than this fraction of its pixels differ.
MAX_DIFFERENT_FRACTION = 0.002
UPDATE = os.environ.get("PDFSIGN_UPDATE_REFERENCES") == "1"


def pages_of(name: str, folder: Path) -> list[Path]:
    """The ``<name>-<n>.png`` files in ``folder`` (not ``<name>-change-<n>.png``)."""
    pattern = re.compile(rf"{re.escape(name)}-\d+\.png")
    return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))


def rasterise(pdf: Path, out_dir: Path) -> list[Path]:
    """Render every page of ``pdf`` to ``out_dir/<stem>-<n>.png`` at :data:`DPI`."""
    prefix = out_dir / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(prefix)], check=True)
    return pages_of(pdf.stem, out_dir)


def different_fraction(actual: Image.Image, expected: Image.Image) -> float:
    """The fraction of pixels whose grey level differs by more than the threshold."""
    if actual.size != expected.size:
        return 1.0
    diff = ImageChops.difference(actual.convert("L"), expected.convert("L"))
    histogram = diff.histogram()
    changed = sum(histogram[PIXEL_THRESHOLD + 1:])
    return changed / (actual.width * actual.height)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_rendering_matches_reference(rendered: dict[str, Rendered], name: str,
                                     tmp_path: Path) -> None:
    pages = rasterise(rendered[name].path, tmp_path)
    references = pages_of(name, REFERENCE_DIR)
    if UPDATE:
        for old in references:
            old.unlink()
        for page in pages:
            page.replace(REFERENCE_DIR / page.name)
        references = pages_of(name, REFERENCE_DIR)
        pages = rasterise(rendered[name].path, tmp_path)
    assert [p.name for p in pages] == [r.name for r in references], "page count changed"
    for page, reference in zip(pages, references, strict=True):
        with Image.open(page) as actual, Image.open(reference) as expected:
            fraction = different_fraction(actual, expected)
        assert fraction <= MAX_DIFFERENT_FRACTION, (
            f"{page.name} differs from {reference} in {fraction:.2%} of its pixels")


def test_comparison_catches_a_small_layout_shift() -> None:
    with Image.open(REFERENCE_DIR / "guarantee-1.png") as reference:
        shifted = ImageChops.offset(reference, 0, 3)  # a table moved down by ~1.5 mm
        assert different_fraction(reference, reference.copy()) == 0.0
        assert different_fraction(shifted, reference) > MAX_DIFFERENT_FRACTION


def test_every_kind_has_a_reference() -> None:
    assert {path.name.rsplit("-", 1)[0] for path in REFERENCE_DIR.glob("*.png")} == set(
        SAMPLE_NAMES)
