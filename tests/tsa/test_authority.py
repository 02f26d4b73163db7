"""The RFC 3161 core: every request check refuses what it must, and granted tokens verify."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import core
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from tsa.authority import TimeStampAuthority, TimeStampResponse
from tsa.errors import PkiError, TsaError
from tsa.pki import Pki
from tsa.serials import MemorySerials

RequestFactory = Callable[..., Any]


def _tst_info(response: Any) -> Any:
    return response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


def _refusal(response: Any) -> tuple[str, set[str], str]:
    status = response["status"]
    return status["status"].native, status["fail_info"].native, status["status_string"].native[0]


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_grants_sha2_imprints(authority: TimeStampAuthority, pki: Pki, ts_request: RequestFactory,
                              at: dt.datetime, data: bytes, asn1_cert: Callable[[Path], Any],
                              algorithm: str) -> None:
    response = authority.respond_to(ts_request(algorithm=algorithm), at=at)
    assert response["status"]["status"].native == "granted"
    info = _tst_info(response)
    assert info["version"].native == "v1"
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == algorithm
    assert info["message_imprint"]["hashed_message"].native == hashlib.new(algorithm, data).digest()
    assert info["gen_time"].native == at
    assert info["policy"].dotted == authority.policy_oid
    assert info["accuracy"].native == {"seconds": 1, "millis": None, "micros": None}
    assert info["tsa"].name == "directory_name"
    assert info["tsa"].chosen.native == asn1_cert(pki.path("tsa.pem")).subject.native


@pytest.mark.parametrize(
    ("overrides", "failure", "check"),
    [
        pytest.param({"algorithm": "md5"}, "bad_alg", "hash-algorithm", id="md5"),
        pytest.param({"algorithm": "sha1"}, "bad_alg", "hash-algorithm", id="sha1"),
        pytest.param({"algorithm": "sha224"}, "bad_alg", "hash-algorithm", id="sha224"),
        pytest.param({"algorithm": "1.2.3.4.5", "digest": b"\0" * 32}, "bad_alg",
                     "hash-algorithm", id="unknown-oid"),
        pytest.param({"digest": b"\1" * 31}, "bad_data_format", "imprint-length",
                     id="short-imprint"),
        pytest.param({"algorithm": "sha512", "digest": b"\1" * 32}, "bad_data_format",
                     "imprint-length", id="sha512-with-32-bytes"),
        pytest.param({"version": 2}, "bad_request", "version", id="version-2"),
        pytest.param({"policy": "1.2.3.4"}, "unaccepted_policy", "policy", id="other-policy"),
        pytest.param({"extensions": [{"extn_id": "1.2.3.4", "critical": False,
                                      "extn_value": b"\x05\x00"}]},
                     "unaccepted_extensions", "extensions", id="extension"),
    ],
)
def test_refuses_with_the_rfc_failure_info(
        authority: TimeStampAuthority, ts_request: RequestFactory, at: dt.datetime,
        overrides: dict[str, Any], failure: str, check: str) -> None:
    der = ts_request(**overrides).dump()
    response = TimeStampResponse.load(authority.respond(der, at=at))
    status, fail_info, reason = _refusal(response)
    assert (status, fail_info) == ("rejection", {failure})
    assert reason.startswith(f"{check}: ")
    assert response["time_stamp_token"].native is None


def test_hash_parameters_other_than_null_are_refused(
        authority: TimeStampAuthority, ts_request: RequestFactory, at: dt.datetime) -> None:
    der = ts_request(parameters=core.Null()).dump()
    null_then_digest = b"\x05\x00\x04\x20"
    assert der.count(null_then_digest) == 1
    der = der.replace(null_then_digest, b"\x04\x00\x04\x20")  # NULL → empty OCTET STRING
    status, fail_info, reason = _refusal(TimeStampResponse.load(authority.respond(der, at=at)))
    # RFC 5754 §2: SHA-2 parameters are absent or NULL; asn1crypto refuses others on decoding.
    assert (status, fail_info) == ("rejection", {"bad_data_format"})
    assert reason.startswith("decode: ")


def test_null_hash_parameters_are_accepted(authority: TimeStampAuthority,
                                           ts_request: RequestFactory, at: dt.datetime) -> None:
    response = authority.respond_to(ts_request(parameters=core.Null()), at=at)
    assert response["status"]["status"].native == "granted"


def test_accepts_a_request_for_its_own_policy(authority: TimeStampAuthority,
                                              ts_request: RequestFactory, at: dt.datetime) -> None:
    response = authority.respond_to(ts_request(policy=authority.policy_oid), at=at)
    assert response["status"]["status"].native == "granted"


@pytest.mark.parametrize("body", [b"", b"random bytes", bytes(range(256)), b"\x30\x03\x02\x01"])
def test_undecodable_requests_are_bad_data_format(authority: TimeStampAuthority, at: dt.datetime,
                                                  body: bytes) -> None:
    status, fail_info, reason = _refusal(TimeStampResponse.load(authority.respond(body, at=at)))
    assert (status, fail_info) == ("rejection", {"bad_data_format"})
    assert reason.startswith("decode: TimeStampReq")


def test_trailing_bytes_are_refused(authority: TimeStampAuthority, ts_request: RequestFactory,
                                    at: dt.datetime) -> None:
    der = ts_request().dump() + b"\x00"
    assert _refusal(TimeStampResponse.load(authority.respond(der, at=at)))[1] == {"bad_data_format"}


def test_mutated_requests_never_raise(authority: TimeStampAuthority, ts_request: RequestFactory,
                                      at: dt.datetime) -> None:
    """Flip bytes of a good request 300 times: always a parseable response, never an exception."""
    good = bytearray(ts_request().dump())
    rng = random.Random(3161)
    statuses = set()
    for _ in range(300):
        mutated = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        response = TimeStampResponse.load(authority.respond(bytes(mutated), at=at))
        statuses.add(response["status"]["status"].native)
    assert statuses == {"granted", "rejection"}


@pytest.mark.parametrize("nonce", [1, 2**63 + 12345, None])
def test_nonce_is_echoed(authority: TimeStampAuthority, ts_request: RequestFactory,
                         at: dt.datetime, nonce: int | None) -> None:
    assert _tst_info(authority.respond_to(ts_request(nonce=nonce), at=at))["nonce"].native == nonce


def test_cert_req_false_leaves_certificates_out(authority: TimeStampAuthority,
                                                ts_request: RequestFactory,
                                                at: dt.datetime) -> None:
    token = authority.respond_to(ts_request(cert_req=False), at=at)["time_stamp_token"]
    assert token["content"]["certificates"].native is None


def test_cert_req_true_embeds_tsa_and_root(authority: TimeStampAuthority, pki: Pki,
                                           ts_request: RequestFactory, at: dt.datetime,
                                           asn1_cert: Callable[[Path], Any]) -> None:
    token = authority.respond_to(ts_request(cert_req=True), at=at)["time_stamp_token"]
    embedded = {c.chosen.dump() for c in token["content"]["certificates"]}
    assert embedded == {asn1_cert(pki.path(name)).dump() for name in ("tsa.pem", "root.pem")}


def test_signed_attributes(authority: TimeStampAuthority, pki: Pki, ts_request: RequestFactory,
                           at: dt.datetime, asn1_cert: Callable[[Path], Any]) -> None:
    token = authority.respond_to(ts_request(), at=at)["time_stamp_token"]
    signer_info = token["content"]["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
    assert set(attrs) == {"content_type", "signing_time", "message_digest",
                          "signing_certificate_v2"}
    assert attrs["content_type"].native == "tst_info"
    assert attrs["signing_time"].native == at.replace(microsecond=0)
    tst_info_der = token["content"]["encap_content_info"]["content"].contents
    assert attrs["message_digest"].native == hashlib.sha256(tst_info_der).digest()
    ess_cert_id = attrs["signing_certificate_v2"]["certs"][0]
    assert ess_cert_id["hash_algorithm"]["algorithm"].native == "sha256"
    tsa_cert = asn1_cert(pki.path("tsa.pem"))
    assert ess_cert_id["cert_hash"].native == hashlib.sha256(tsa_cert.dump()).digest()
    assert ess_cert_id["issuer_serial"]["serial_number"].native == tsa_cert.serial_number


def test_serials_increase(authority: TimeStampAuthority, ts_request: RequestFactory,
                          at: dt.datetime) -> None:
    serials = [_tst_info(authority.respond_to(ts_request(), at=at))["serial_number"].native
               for _ in range(5)]
    assert serials == sorted(set(serials))


def _validate(pki: Pki, token: Any, digest: bytes, at: dt.datetime,
              asn1_cert: Callable[[Path], Any]) -> dict[str, Any]:
    context = ValidationContext(trust_roots=[asn1_cert(pki.path("root.pem"))], moment=at,
                                allow_fetching=False, revocation_mode="soft-fail")
    return asyncio.run(validate_tst_signed_data(token["content"], context, lambda _: digest))


@pytest.mark.parametrize("pki_name", ["pki", "ec_pki"])
def test_token_signature_verifies(pki_name: str, request: pytest.FixtureRequest,
                                  ts_request: RequestFactory, at: dt.datetime, data: bytes,
                                  asn1_cert: Callable[[Path], Any]) -> None:
    pki: Pki = request.getfixturevalue(pki_name)
    authority = TimeStampAuthority.from_pki(pki, serials=MemorySerials())
    token = authority.respond_to(ts_request(), at=at)["time_stamp_token"]
    status = _validate(pki, token, hashlib.sha256(data).digest(), at, asn1_cert)
    assert (status["intact"], status["valid"]) == (True, True)
    assert status["timestamp"] == at


def test_tampered_token_fails_verification(authority: TimeStampAuthority, pki: Pki,
                                           ts_request: RequestFactory, at: dt.datetime,
                                           data: bytes, asn1_cert: Callable[[Path], Any]) -> None:
    token = authority.respond_to(ts_request(), at=at)["time_stamp_token"]
    signer_info = token["content"]["signer_infos"][0]
    signature = bytearray(signer_info["signature"].native)
    signature[10] ^= 0xFF
    signer_info["signature"] = bytes(signature)
    status = _validate(pki, token, hashlib.sha256(data).digest(), at, asn1_cert)
    assert status["valid"] is False


def test_ec_token_verifies_with_openssl(ec_pki: Pki, at: dt.datetime, tmp_path: Path) -> None:
    data_file = tmp_path / "data.bin"
    data_file.write_bytes(b"ECDSA-signed time-stamp")
    query = subprocess.run(["openssl", "ts", "-query", "-data", str(data_file), "-sha384",
                            "-cert"], check=True, capture_output=True).stdout
    authority = TimeStampAuthority.from_pki(ec_pki, serials=MemorySerials())
    (tmp_path / "reply.tsr").write_bytes(authority.respond(query, at=at))
    result = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data_file), "-in", str(tmp_path / "reply.tsr"),
         "-CAfile", str(ec_pki.path("root.pem")), "-untrusted", str(ec_pki.path("tsa.pem"))],
        capture_output=True, text=True)
    assert "Verification: OK" in result.stdout, result.stderr


@pytest.mark.parametrize("years", [-1, 21])
def test_refuses_times_outside_the_tsa_certificate(
        authority: TimeStampAuthority, ts_request: RequestFactory, at: dt.datetime,
        years: int) -> None:
    when = at + dt.timedelta(days=365 * years)
    status, fail_info, reason = _refusal(authority.respond_to(ts_request(), at=when))
    assert (status, fail_info) == ("rejection", {"system_failure"})
    assert reason.startswith("tsa-certificate-validity: at: ")


def test_naive_time_is_a_programming_error(authority: TimeStampAuthority,
                                           ts_request: RequestFactory) -> None:
    with pytest.raises(TsaError, match="at: must be timezone-aware"):
        authority.respond_to(ts_request(), at=dt.datetime(2026, 12, 1))


def test_key_must_match_certificate(pki: Pki) -> None:
    with pytest.raises(PkiError, match="does not match the TSA certificate"):
        TimeStampAuthority(certificate=pki.certificate("tsa"), private_key=pki.private_key("ca"),
                           policy_oid=pki.policy_oid, serials=MemorySerials())


def test_certificate_must_be_for_time_stamping(pki: Pki) -> None:
    with pytest.raises(PkiError, match=r"timeStamping \(RFC 3161 §2.3\)"):
        TimeStampAuthority(certificate=pki.certificate("ca"), private_key=pki.private_key("ca"),
                           policy_oid=pki.policy_oid, serials=MemorySerials())


def test_accuracy_must_be_positive(pki: Pki) -> None:
    with pytest.raises(TsaError, match="accuracy: must be positive"):
        TimeStampAuthority(certificate=pki.certificate("tsa"), private_key=pki.private_key("tsa"),
                           policy_oid=pki.policy_oid, serials=MemorySerials(),
                           accuracy=dt.timedelta(0))


def test_sub_second_accuracy(pki: Pki, ts_request: RequestFactory, at: dt.datetime) -> None:
    authority = TimeStampAuthority(
        certificate=pki.certificate("tsa"), private_key=pki.private_key("tsa"),
        policy_oid=pki.policy_oid, serials=MemorySerials(),
        accuracy=dt.timedelta(milliseconds=250, microseconds=5))
    accuracy = _tst_info(authority.respond_to(ts_request(), at=at))["accuracy"].native
    assert accuracy == {"seconds": None, "millis": 250, "micros": 5}


_SHA256_OID = bytes.fromhex("0609608648016503040201")


@pytest.mark.parametrize(("oid", "fail_info", "check"), [
    # 2.16.840.1.101.3.4.2.1 with its last byte flipped: a different, unknown OID
    pytest.param("06096086480165030402ed", "bad_data_format", "decode", id="truncated-arc"),
    pytest.param("0609608648016503040281", "bad_data_format", "decode", id="continuation-last"),
    pytest.param("0609808648016503040201", "bad_data_format", "decode", id="non-minimal-arc"),
    pytest.param("060960ff48016503040201", "bad_alg", "hash-algorithm", id="unknown-oid"),
    pytest.param("0600", "bad_data_format", "decode", id="empty-oid"),
])
def test_broken_hash_oids_are_refused_by_the_rfc(
        authority: TimeStampAuthority, ts_request: RequestFactory, at: dt.datetime,
        oid: str, fail_info: str, check: str) -> None:
    """RFC 3161 §2.4.2: an unknown algorithm is badAlg, an OID that is not even well formed
    (X.690 §8.19) badDataFormat; asn1crypto alone reads the truncated one as
    2.16.840.1.101.3.4.2."""
    good = ts_request().dump()
    assert good.count(_SHA256_OID) == 1
    body = good.replace(_SHA256_OID, bytes.fromhex(oid))
    body = body[:1] + bytes([body[1] + len(body) - len(good)]) + body[2:]  # outer length
    inner = body.index(bytes.fromhex(oid)) - 4  # MessageImprint, then AlgorithmIdentifier
    body = body[:inner + 1] + bytes([body[inner + 1] + len(body) - len(good)]) + body[inner + 2:]
    body = body[:inner + 3] + bytes([body[inner + 3] + len(body) - len(good)]) + body[inner + 4:]
    status, info, reason = _refusal(TimeStampResponse.load(authority.respond(body, at=at)))
    assert (status, info) == ("rejection", {fail_info})
    assert reason.startswith(f"{check}: messageImprint.hashAlgorithm")


@pytest.mark.parametrize("body", [
    # an unknown hash OID whose parameters are a REAL: asn1crypto reads them as Any and fails
    # with AttributeError when forced (HTTP 500 before issue 12)
    "30430201013031300d0609608648f7650304020108000420427f93cafd9cc19be6eec03e590c9c6cdf9f688a"
    "5eaf21fa8d72351e2b15fd050208127c87fe1d8217670101ff",
    # the nonce's tag replaced by REAL's: AttributeError when forced
    "30430201013031300d060960864801650304020105000420427f93cafd9cc19be6eec03e590c9c6cdf9f688a"
    "5eaf21fa7b72dd1e2b15fd052908127c87fe1d8217670101ff",
    # an empty BIT STRING inside unknown-algorithm parameters: IndexError when forced
    "30430201013031300d060960ea48016503040201a3000420427f93cafd9cc19be6eec0f6590c9c6cdf9f688a"
    "5eaf21fa8d72351e2b15fd050208127c87fe1d8217670101ff",
])
def test_decoder_crashes_become_rejections(authority: TimeStampAuthority, at: dt.datetime,
                                           body: str) -> None:
    """Found by fuzzing (issue 12): each raised out of ``respond`` before."""
    status, info, _ = _refusal(TimeStampResponse.load(authority.respond(bytes.fromhex(body),
                                                                        at=at)))
    assert status == "rejection"
    assert len(info) == 1
    assert info <= {"bad_alg", "bad_data_format"}
