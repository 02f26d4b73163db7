"""The templates-only URL fetcher refuses everything outside ``templates/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdfsign.render import TEMPLATES_DIR, RefusedURL, TemplateFetcher


@pytest.fixture(scope="module")
def fetcher() -> TemplateFetcher:
    return TemplateFetcher(TEMPLATES_DIR)


def test_serves_files_inside_templates(fetcher: TemplateFetcher) -> None:
    response = fetcher.fetch((TEMPLATES_DIR / "print.css").as_uri())
    assert b"@font-face" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    (TEMPLATES_DIR / ".." / "pyproject.toml").as_uri(),
    (TEMPLATES_DIR.as_uri() + "/%2e%2e/pyproject.toml"),
    TEMPLATES_DIR.as_uri() + "/",
    TEMPLATES_DIR.as_uri() + "/missing.css",
    "file://example.invalid" + str(TEMPLATES_DIR / "print.css"),
    "http://127.0.0.1:9/x.css",
    "https://127.0.0.1:9/x.css",
    "data:text/css,body{}",
    "ftp://127.0.0.1/x",
])
def test_refuses_everything_else(fetcher: TemplateFetcher, url: str) -> None:
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_refuses_symlink_escaping_the_root(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (root / "link.css").symlink_to(secret)
    with pytest.raises(RefusedURL):
        TemplateFetcher(root).fetch((root / "link.css").as_uri())
