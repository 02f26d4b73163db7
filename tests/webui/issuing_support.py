"""Helpers for the issuing pages' tests: an installation with a bank, and a form driven like
a browser without JavaScript (values from a sample data file, through the form's own names)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from conftest import ROOT, csrf
from flask.testing import FlaskClient

from pdfsign.registry import Registry, set_bank
from webui.issue.forms import values_from_data

GUARANTEE = json.loads((ROOT / "fixtures/samples/guarantee.json").read_text(encoding="utf-8"))
INVOICE = json.loads((ROOT / "fixtures/samples/invoice-seed.json").read_text(encoding="utf-8"))
FILE_ID = "14_2345002_012345678_2026001234_000"
#: The test PKI's signing PIN (TEST KEYS ONLY).
PIN = "TestPin2026"
_DRAFT = re.compile(r"/issue/drafts/([A-Za-z0-9_-]{43})$")


def with_bank(registry: Registry, at: dt.datetime) -> None:
    """Register bank 2345 (the samples' bank) under agreement since 2026-01-01."""
    set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1), actor="test",
             at=at)


def submit_form(client: FlaskClient, kind: str, data: dict[str, Any], *,
                query: str = "", extra: dict[str, str] | None = None) -> Any:
    """Fill ``/issue/<kind>`` with ``data`` and press "preview"; the answer, not followed."""
    page = f"/issue/{kind}{query}"
    values = values_from_data(data) | (extra or {})
    return client.post(f"/issue/{kind}", data={"csrf_token": csrf(client, page), **values,
                                               "action": "preview"})


def draft_of(answer: Any) -> str:
    """The preview URL a valid submit was sent to."""
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    location = answer.headers["Location"]
    assert _DRAFT.search(location), location
    return str(location)


def sign(client: FlaskClient, preview: str, pin: str = PIN, signer: str = "staff") -> Any:
    """Enter the PIN on the preview and issue."""
    return client.post(preview, data={"csrf_token": csrf(client, preview), "pin": pin,
                                      "signer": signer})


def issue_through_the_form(client: FlaskClient, kind: str = "guarantee",
                           data: dict[str, Any] | None = None) -> str:
    """Issue ``data`` (default the guarantee sample) and return the file page's URL."""
    done = sign(client, draft_of(submit_form(client, kind, data or GUARANTEE)))
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    return str(done.headers["Location"])


def text_of(page: Any, element_id: str) -> str:
    """The text inside the element with ``id="element_id"``."""
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page.get_data(as_text=True))
    assert found, element_id
    return found.group(1).strip()

