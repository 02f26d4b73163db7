"""The services over real HTTP on 127.0.0.1: openssl, pyHanko and malformed clients."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

from tsa.authority import TimeStampResponse
from tsa.client import HttpTimeStamper
from tsa.errors import TsaError
from tsa.http import MAX_BODY, create_server
from tsa.pki import Pki
from tsa.services import PkiServices

_TSQ = {"Content-Type": "application/timestamp-query"}
_OCSP = {"Content-Type": "application/ocsp-request"}


@pytest.fixture
def good_query(tmp_path: Path) -> tuple[Path, bytes]:
    """A document and an ``openssl ts -query -sha256 -cert`` request for it."""
    document = tmp_path / "document.pdf"
    document.write_bytes(os.urandom(2048))
    query = subprocess.run(["openssl", "ts", "-query", "-data", str(document), "-sha256", "-cert"],
                           check=True, capture_output=True).stdout
    return document, query


def _post_tsa(base_url: str, body: bytes, headers: dict[str, str] = _TSQ) -> requests.Response:
    return requests.post(f"{base_url}/tsa", data=body, headers=headers, timeout=10)


def _openssl_verify(document: Path, reply: bytes, pki: Pki, tmp_path: Path) -> str:
    (tmp_path / "reply.tsr").write_bytes(reply)
    return subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(document), "-in", str(tmp_path / "reply.tsr"),
         "-CAfile", str(pki.path("root.pem")), "-untrusted", str(pki.path("tsa.pem"))],
        capture_output=True, text=True).stdout


def test_openssl_query_reply_verifies(tsa_server: str, good_query: tuple[Path, bytes], pki: Pki,
                                      tmp_path: Path) -> None:
    document, query = good_query
    response = _post_tsa(tsa_server, query)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/timestamp-reply"
    assert "Verification: OK" in _openssl_verify(document, response.content, pki, tmp_path)


def test_openssl_rejects_a_reply_for_other_data(tsa_server: str, good_query: tuple[Path, bytes],
                                                pki: Pki, tmp_path: Path) -> None:
    document, query = good_query
    reply = _post_tsa(tsa_server, query).content
    document.write_bytes(b"tampered")
    assert "Verification: OK" not in _openssl_verify(document, reply, pki, tmp_path)


def test_pyhanko_http_timestamper(tsa_server: str) -> None:
    digest = hashlib.sha256(b"pyHanko over HTTP").digest()
    token = asyncio.run(HTTPTimeStamper(f"{tsa_server}/tsa").async_timestamp(digest, "sha256"))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest


def _query(algorithm: str = "sha256", digest: bytes | None = None,
           policy: str | None = None) -> bytes:
    from asn1crypto import tsp

    fields: dict[str, Any] = {"version": 1, "cert_req": True, "message_imprint": {
        "hash_algorithm": {"algorithm": algorithm},
        "hashed_message": digest if digest is not None else hashlib.new(algorithm, b"x").digest()}}
    if policy:
        fields["req_policy"] = policy
    return bytes(tsp.TimeStampReq(fields).dump())


@pytest.mark.parametrize(("body", "failure"), [
    pytest.param(os.urandom(300), "bad_data_format", id="random-bytes"),
    pytest.param(_query(digest=b"\0" * 20), "bad_data_format", id="wrong-imprint-length"),
    pytest.param(_query(algorithm="md5"), "bad_alg", id="md5"),
    pytest.param(_query(algorithm="1.3.6.1.4.1.99999.1", digest=b"\0" * 32), "bad_alg",
                 id="unknown-hash"),
    pytest.param(_query(policy="1.2.3.4.5"), "unaccepted_policy", id="another-policy"),
])
def test_bad_requests_are_rejected_and_the_server_goes_on(
        tsa_server: str, good_query: tuple[Path, bytes], body: bytes, failure: str) -> None:
    response = _post_tsa(tsa_server, body)
    assert response.status_code == 200
    status = TimeStampResponse.load(response.content)["status"]
    assert (status["status"].native, status["fail_info"].native) == ("rejection", {failure})
    assert _post_tsa(tsa_server, good_query[1]).status_code == 200


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), [
    pytest.param("POST", "/tsa", b"\0" * (MAX_BODY + 1), _TSQ, 413, id="oversized"),
    pytest.param("POST", "/tsa", b"x", {"Content-Type": "text/plain"}, 415, id="wrong-type"),
    pytest.param("POST", "/tsa", b"x", {}, 415, id="no-type"),
    pytest.param("POST", "/ocsp", b"x", _TSQ, 415, id="tsq-to-ocsp"),
    pytest.param("GET", "/tsa", b"", {}, 405, id="get-tsa"),
    pytest.param("PUT", "/crl/ca.crl", b"", {}, 405, id="put-crl"),
    pytest.param("GET", "/crl/nope.crl", b"", {}, 404, id="unknown-crl"),
    pytest.param("GET", "/admin", b"", {}, 404, id="unknown-path"),
])
def test_http_mistakes_get_http_statuses(
        tsa_server: str, good_query: tuple[Path, bytes], method: str, path: str, body: bytes,
        headers: dict[str, str], status: int) -> None:
    response = requests.request(method, f"{tsa_server}{path}", data=body, headers=headers,
                                timeout=10)
    assert response.status_code == status
    if status == 405:
        assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]
    assert _post_tsa(tsa_server, good_query[1]).status_code == 200


def test_crl_over_http(tsa_server: str, pki: Pki) -> None:
    response = requests.get(f"{tsa_server}/crl/ca.crl", timeout=10)
    assert response.headers["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert crl.is_signature_valid(pki.certificate("ca").public_key())  # type: ignore[arg-type]
    revoked = x509.load_pem_x509_certificate(pki.signer("revoked").cert.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None


def _ocsp_request(pki: Pki, signer: str) -> bytes:
    cert = x509.load_pem_x509_certificate(pki.signer(signer).cert.read_bytes())
    return ocsp.OCSPRequestBuilder().add_certificate(cert, pki.certificate("ca"), hashes.SHA1()) \
        .add_extension(x509.OCSPNonce(os.urandom(16)), critical=False).build() \
        .public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize(("signer", "expected"), [
    ("staff", ocsp.OCSPCertStatus.GOOD), ("revoked", ocsp.OCSPCertStatus.REVOKED)])
def test_ocsp_post_verified_by_openssl(tsa_server: str, pki: Pki, tmp_path: Path, signer: str,
                                       expected: ocsp.OCSPCertStatus) -> None:
    request = _ocsp_request(pki, signer)
    response = requests.post(f"{tsa_server}/ocsp", data=request, headers=_OCSP, timeout=10)
    assert response.headers["Content-Type"] == "application/ocsp-response"
    (tmp_path / "req.der").write_bytes(request)
    (tmp_path / "resp.der").write_bytes(response.content)
    result = subprocess.run(["openssl", "ocsp", "-reqin", str(tmp_path / "req.der"),
                             "-respin", str(tmp_path / "resp.der"),
                             "-CAfile", str(pki.path("root.pem"))],
                            capture_output=True, text=True)
    assert "Response verify OK" in result.stderr + result.stdout, result.stderr
    assert ocsp.load_der_ocsp_response(response.content).certificate_status is expected


def test_ocsp_get_per_rfc6960_appendix_a(tsa_server: str, pki: Pki) -> None:
    encoded = quote(base64.b64encode(_ocsp_request(pki, "revoked")).decode(), safe="")
    response = requests.get(f"{tsa_server}/ocsp/{encoded}", timeout=10)
    assert response.headers["Content-Type"] == "application/ocsp-response"
    parsed = ocsp.load_der_ocsp_response(response.content)
    assert parsed.certificate_status is ocsp.OCSPCertStatus.REVOKED


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/ocsp", b"garbage"), ("GET", "/ocsp/not*base64", b""),
    ("GET", "/ocsp/" + base64.b64encode(b"valid base64, not DER").decode(), b"")])
def test_malformed_ocsp_gets_malformed_request(tsa_server: str, method: str, path: str,
                                               body: bytes) -> None:
    response = requests.request(method, f"{tsa_server}{path}", data=body, headers=_OCSP,
                                timeout=10)
    assert response.status_code == 200
    assert ocsp.load_der_ocsp_response(response.content).response_status is (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST)


def test_concurrent_clients_get_distinct_serials(tsa_server: str,
                                                 good_query: tuple[Path, bytes]) -> None:
    def serials(_: int) -> list[int]:
        with requests.Session() as session:
            return [TimeStampResponse.load(session.post(
                f"{tsa_server}/tsa", data=good_query[1], headers=_TSQ, timeout=10).content)[
                "time_stamp_token"]["content"]["encap_content_info"]["content"].parsed[
                "serial_number"].native for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        per_client: list[list[int]] = list(pool.map(serials, range(8)))
    everything = [s for client in per_client for s in client]
    assert len(set(everything)) == len(everything) == 200




def test_our_http_timestamper_reports_rejections(tsa_server: str) -> None:
    """pyHanko's own client trips over a rejection (no token); ours reports the failure info."""
    stamper = HttpTimeStamper(f"{tsa_server}/tsa")
    with pytest.raises(TimestampRequestError, match=r'failInfo "bad_alg"'):
        asyncio.run(stamper.async_timestamp(hashlib.md5(b"x").digest(), "md5"))
    with pytest.raises(ValueError, match="time_stamp_token"):  # the upstream limitation
        asyncio.run(HTTPTimeStamper(f"{tsa_server}/tsa").async_timestamp(
            hashlib.md5(b"x").digest(), "md5"))
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))
    assert token["content"]["encap_content_info"]["content"].parsed["version"].native == "v1"


@pytest.mark.parametrize("host", ["0.0.0.0", "tsa.example.invalid"])
def test_server_refuses_a_non_loopback_address(pki_services: PkiServices, host: str) -> None:
    with pytest.raises(TsaError, match="loopback only"):
        create_server(pki_services, host=host, port=0)
