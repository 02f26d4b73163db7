"""Fuzz the TSA: mutated ``openssl ts -query`` bodies through the HTTP app and the parser.

Properties (RFC 3161 §2.4.2, §3.4): never HTTP 500; a body with the right content type is
always a DER TimeStampResp; a granted token stamps exactly the imprint asked for and echoes
the nonce; a refusal is a rejection with one PKIFailureInfo bit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from asn1crypto import tsp
from conftest import budget
from hypothesis import given
from hypothesis import strategies as st
from mutations import Tally, mutants, recording
from werkzeug.test import Client

from tsa.authority import TimeStampAuthority, TimeStampResponse
from tsa.http import create_app
from tsa.pki import Pki
from tsa.serials import MemorySerials
from tsa.services import PkiServices

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
_TSQ = "application/timestamp-query"
_TYPES = st.sampled_from([_TSQ] * 8 + ["application/octet-stream", "", "text/plain"])
_FAILURES = {"bad_alg", "bad_request", "bad_data_format", "unaccepted_policy",
             "unaccepted_extensions", "system_failure"}


@pytest.fixture(scope="module")
def client(pki_services: PkiServices) -> Client:
    """The HTTP app in this process (werkzeug's test client: the same WSGI path as waitress)."""
    return Client(create_app(pki_services, clock=lambda: AT))


@pytest.fixture(scope="module")
def authority(pki: Pki) -> TimeStampAuthority:
    return TimeStampAuthority.from_pki(pki, serials=MemorySerials())


def _check_answer(body: bytes, der: bytes) -> str:
    """Assert the protocol properties of one answer; return its status for the statistics."""
    response = TimeStampResponse.load(der)
    status = response["status"]["status"].native
    if status == "granted":
        request = tsp.TimeStampReq.load(body)
        info: Any = response["time_stamp_token"]["content"]["encap_content_info"]["content"]
        info = info.parsed
        assert info["message_imprint"].dump() == request["message_imprint"].dump()
        assert info["nonce"].native == request["nonce"].native
    else:
        assert status == "rejection"
        assert len(response["status"]["fail_info"].native) == 1
        assert response["status"]["fail_info"].native <= _FAILURES
    return str(status)


def test_http_tsa_never_fails(client: Client, tsa_queries: list[bytes]) -> None:
    tally = Tally("tsa-http")

    @budget("tsa-http")
    @given(case=mutants(tsa_queries), content_type=_TYPES)
    def run(case: tuple[int, bytes], content_type: str) -> None:
        _, body = case
        with recording("tsa-http", body, suffix=".tsq"):
            response = client.post("/tsa", data=body, content_type=content_type)
            assert response.status_code != 500
            if content_type != _TSQ:
                assert response.status_code == 415
                tally.add("415 wrong content type")
                return
            assert response.status_code == 200
            assert response.mimetype == "application/timestamp-reply"
            tally.add(_check_answer(body, response.get_data()))

    run()
    tally.write()


def test_authority_never_raises(authority: TimeStampAuthority, tsa_queries: list[bytes]) -> None:
    tally = Tally("tsa-authority")

    @budget("tsa-raw")
    @given(case=mutants(tsa_queries, max_edits=8))
    def run(case: tuple[int, bytes]) -> None:
        _, body = case
        with recording("tsa-authority", body, suffix=".tsq"):
            tally.add(_check_answer(body, authority.respond(body, at=AT)))

    run()
    tally.write()
