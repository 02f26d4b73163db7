"""Fuzz the OCSP responder's request parsing with mutated real requests (RFC 6960 §2.3).

Property: every body gets a DER OCSPResponse; anything but a well-formed request for our
CA's certificates is malformedRequest or unauthorized, never an exception.
"""

from __future__ import annotations

import datetime as dt

from conftest import budget
from cryptography.x509 import ocsp
from hypothesis import given
from mutations import Tally, mutants, recording

from tsa.services import PkiServices

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
_STATUSES = {ocsp.OCSPResponseStatus.SUCCESSFUL, ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
             ocsp.OCSPResponseStatus.UNAUTHORIZED}


def test_ocsp_responder_never_raises(pki_services: PkiServices,
                                     ocsp_requests: list[bytes]) -> None:
    tally = Tally("ocsp")

    @budget("ocsp")
    @given(case=mutants(ocsp_requests))
    def run(case: tuple[int, bytes]) -> None:
        _, body = case
        with recording("ocsp", body, suffix=".der"):
            response = ocsp.load_der_ocsp_response(
                pki_services.ocsp_responder.respond(body, at=AT))
        assert response.response_status in _STATUSES
        tally.add(response.response_status.name)

    run()
    tally.write()
