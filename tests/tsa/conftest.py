"""Fixtures for the TSA tests: a fixed time, an authority, and a request factory."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, pem, tsp
from asn1crypto import x509 as asn1_x509

from tsa.authority import TimeStampAuthority
from tsa.pki import Pki, generate_pki
from tsa.serials import MemorySerials

#: The time the tests certify; the committed PKI is valid from 2026-11-22 for 20 years.
AT = dt.datetime(2026, 12, 1, 9, 30, 15, 250000, tzinfo=dt.UTC)
DATA = "保証書".encode() * 100

RequestFactory = Callable[..., Any]


@pytest.fixture(scope="session")
def at() -> dt.datetime:
    """The time the tests certify (tz-aware UTC, with microseconds)."""
    return AT


@pytest.fixture(scope="session")
def data() -> bytes:
    """The document bytes the tests time-stamp."""
    return DATA


@pytest.fixture(scope="session")
def asn1_cert() -> Callable[[Path], Any]:
    """Load an asn1crypto certificate from a PEM file (pyHanko's certificate type)."""
    return lambda path: asn1_x509.Certificate.load(pem.unarmor(path.read_bytes())[2])


@pytest.fixture(scope="session")
def ec_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A freshly generated ECDSA P-256 PKI, to prove EC TSA keys sign valid tokens."""
    return generate_pki(tmp_path_factory.mktemp("ec-pki"), at=AT - dt.timedelta(days=30),
                        key_type="ec")


@pytest.fixture
def authority(pki: Pki) -> TimeStampAuthority:
    """The committed PKI's TSA with fresh in-memory serials."""
    return TimeStampAuthority.from_pki(pki, serials=MemorySerials())


@pytest.fixture(scope="session")
def ts_request() -> RequestFactory:
    """Build a ``tsp.TimeStampReq``; keywords override the parts under test."""

    def build(*, algorithm: str = "sha256", digest: bytes | None = None, nonce: int | None = 42,
              cert_req: bool = True, policy: str | None = None, version: int = 1,
              parameters: Any = None, extensions: list[Any] | None = None) -> Any:
        if digest is None:
            digest = hashlib.new(algorithm, DATA).digest()
        hash_algorithm: dict[str, Any] = {"algorithm": algorithm}
        if parameters is not None:
            hash_algorithm["parameters"] = parameters
        fields: dict[str, Any] = {
            "version": version,
            "message_imprint": {"hash_algorithm": algos.DigestAlgorithm(hash_algorithm),
                                "hashed_message": digest},
            "cert_req": cert_req,
        }
        if nonce is not None:
            fields["nonce"] = nonce
        if policy is not None:
            fields["req_policy"] = policy
        if extensions is not None:
            fields["extensions"] = extensions
        return tsp.TimeStampReq(fields)

    return build
