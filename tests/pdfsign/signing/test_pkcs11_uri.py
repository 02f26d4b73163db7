"""PKCS#11 URIs (RFC 7512) as signer names: parsed, put in one canonical form, refused when they
carry a PIN or an attribute nobody knows; and resolved to the token whose PIN they share."""

from __future__ import annotations

import pytest

from pdfsign.errors import InputError
from pdfsign.signing import Pkcs11Uri, is_pkcs11_uri, parse_pkcs11_uri, resolve_signer


def test_the_issues_example_and_its_canonical_form() -> None:
    uri = parse_pkcs11_uri("pkcs11:object=staff;token=pdfsign")
    assert (uri.token, uri.object) == ("pdfsign", "staff")
    assert str(uri) == "pkcs11:token=pdfsign;object=staff"
    assert str(uri.token_uri) == "pkcs11:token=pdfsign"


def test_rfc_7512_examples_round_trip() -> None:
    """RFC 7512 §3's examples (the PIN-carrying ones without their PIN)."""
    text = ("pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc."
            ";object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BE%2D%D3%B0%E6")
    uri = parse_pkcs11_uri(text)
    assert uri.token == "Software PKCS#11 softtoken"
    assert uri.manufacturer == "Snake Oil, Inc."
    assert uri.id == bytes.fromhex("69953e5cf4be2dd3b0e6")
    assert uri.type == "cert"
    assert parse_pkcs11_uri(str(uri)) == uri
    assert parse_pkcs11_uri("pkcs11:") == Pkcs11Uri()


def test_utf8_labels_slot_ids_and_the_module_path() -> None:
    uri = parse_pkcs11_uri("PKCS11:token=%E4%BF%9D%E8%A8%BC;slot-id=3;object=a%3Bb"
                           "?module-path=/usr/lib/softhsm/libsofthsm2.so")
    assert (uri.token, uri.slot_id, uri.object) == ("保証", 3, "a;b")
    assert uri.module_path == "/usr/lib/softhsm/libsofthsm2.so"
    assert str(uri) == ("pkcs11:token=%E4%BF%9D%E8%A8%BC;slot-id=3;object=a%3Bb"
                        "?module-path=/usr/lib/softhsm/libsofthsm2.so")
    assert uri.matches_token(label="保証", serial="x", manufacturer="m", model="m", slot_id=3)
    assert not uri.matches_token(label="保証", serial="x", manufacturer="m", model="m",
                                 slot_id=4)


@pytest.mark.parametrize(("text", "says"), [
    ("pkcs11:token=a?pin-value=TestPin2026", "must not carry the PIN"),
    ("pkcs11:token=a?pin-source=file:/pin", "must not carry the PIN"),
    ("pkcs11:token=a;colour=red", "unknown PKCS#11 URI attribute 'colour'"),
    ("pkcs11:token=a;token=b", "repeated"),
    ("pkcs11:token", "expected name=value"),
    ("pkcs11:slot-id=x", "slot-id must be a number"),
    ("pkcs11:type=key", "type must be one of"),
    ("pkcs11:token=%FF", "not UTF-8"),
    ("pkcs11:token=a?module-name=softhsm2", "only module-path"),
    ("staff", "not a PKCS#11 URI"),
])
def test_malformed_uris_are_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(InputError, match=says) as refused:
        parse_pkcs11_uri(text)
    assert refused.value.field == "signer"
    assert "TestPin2026" not in refused.value.message


def test_a_signer_uri_resolves_to_its_key_and_the_tokens_pin() -> None:
    assert is_pkcs11_uri("pkcs11:token=pdfsign;object=staff")
    assert not is_pkcs11_uri("staff")
    ref = resolve_signer("pkcs11:object=staff;token=pdfsign")
    assert (ref.id, ref.pin_scope) == ("pkcs11:token=pdfsign;object=staff",
                                       "pkcs11:token=pdfsign")
    assert ref.on_token
