"""Helpers for the API's tests: requests with a bearer token, and the one error shape."""

from __future__ import annotations

from typing import Any

import requests


def get(server: str, path: str, token: str | None, **kwargs: Any) -> requests.Response:
    """GET ``path`` with ``Authorization: Bearer token`` (none if ``token`` is ``None``)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(server + path, headers=headers, timeout=30, **kwargs)


def post_json(server: str, path: str, token: str | None, body: object,
              **headers: str) -> requests.Response:
    """POST ``body`` as JSON with the bearer ``token``."""
    sent = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(server + path, json=body, headers=sent | headers, timeout=120)


def error_of(answer: requests.Response, status: int) -> dict[str, Any]:
    """The ``error`` object of a JSON error answer with ``status``."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = answer.json()
    assert set(body["error"]) >= {"reason", "field", "message"}
    return body["error"]
