"""The shared fixtures: ``tsa_server`` and ``pki_url_server`` answer with this PKI's CRL."""

from __future__ import annotations

import pytest
import requests
from cryptography import x509

from tsa.pki import Pki


@pytest.mark.parametrize("fixture", ["tsa_server", "pki_url_server"])
def test_server_serves_this_pki(fixture: str, request: pytest.FixtureRequest, pki: Pki) -> None:
    base_url: str = request.getfixturevalue(fixture)
    response = requests.get(f"{base_url}/crl/ca.crl", timeout=5)
    assert response.headers["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert crl.is_signature_valid(pki.certificate("ca").public_key())  # type: ignore[arg-type]


def test_pki_url_server_is_the_pki_base_url(pki_url_server: str, pki: Pki) -> None:
    assert pki_url_server == pki.base_url == "http://127.0.0.1:3161"
