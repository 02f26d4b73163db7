"""TSA key rollover (``tsa.pki.rollover_tsa``, ``pdfsign pki rollover-tsa``).

Each test generates its own PKI into a temporary folder: the committed ``fixtures/pki``
is never changed.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from pdfsign.cli import root
from tsa.errors import PkiError
from tsa.pki import Pki, generate_pki, load_pki, rollover_tsa
from tsa.services import PkiServices

AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
YEAR = dt.timedelta(days=365)


@pytest.fixture(params=["rsa", "ec"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Pki:
    return generate_pki(tmp_path / "pki", at=AT, key_type=request.param)


def test_successor_has_the_first_profile_and_key_type(fresh: Pki) -> None:
    first = fresh.certificate("tsa")
    done = rollover_tsa(fresh.directory, at=AT + 19 * YEAR)
    new = done.pki.certificate("tsa")
    assert new.serial_number != first.serial_number
    assert new.issuer == fresh.certificate("root").subject == first.issuer
    assert new.subject == first.subject
    eku = new.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert type(new.public_key()) is type(first.public_key())
    assert isinstance(new.public_key(), rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
    assert new.not_valid_before_utc <= AT + 19 * YEAR < new.not_valid_after_utc


def test_successor_never_outlives_the_root(fresh: Pki) -> None:
    new = rollover_tsa(fresh.directory, at=AT + 19 * YEAR).successor
    assert new.not_valid_after_utc == fresh.certificate("root").not_valid_after_utc
    short = rollover_tsa(fresh.directory, at=AT + YEAR, lifetime=2 * YEAR).successor
    assert short.not_valid_after_utc == AT + 3 * YEAR


def test_old_certificate_is_kept_and_recorded_its_key_is_gone(fresh: Pki) -> None:
    first = fresh.certificate("tsa")
    old_key = fresh.path("tsa.key.pem").read_bytes()
    done = rollover_tsa(fresh.directory, at=AT + YEAR)
    kept = x509.load_pem_x509_certificate(done.retired.cert.read_bytes())
    assert kept == first
    assert done.retired.cert.name == f"tsa-{first.serial_number:x}.pem"
    assert load_pki(fresh.directory).retired_tsa == (done.retired,)
    assert fresh.path("tsa.key.pem").read_bytes() != old_key
    assert not list(fresh.directory.glob("*.new*"))
    second = rollover_tsa(fresh.directory, at=AT + 2 * YEAR)
    assert [r.serial for r in second.pki.retired_tsa] == [first.serial_number,
                                                          done.successor.serial_number]


def test_services_load_the_successor(fresh: Pki) -> None:
    done = rollover_tsa(fresh.directory, at=AT + YEAR)
    services = PkiServices.from_pki(done.pki, state_dir=None)
    assert services.authority.certificate == done.successor


def test_old_tokens_still_verify_with_the_kept_certificate(fresh: Pki, tmp_path: Path) -> None:
    """A token the retired TSA signed checks out with ``openssl ts -verify`` against the
    certificate kept beside the successor."""
    data = tmp_path / "data.txt"
    data.write_bytes(b"before the rollover")
    query = subprocess.run(["openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert"],
                           capture_output=True, check=True).stdout
    authority = PkiServices.from_pki(fresh, state_dir=None).authority
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(authority.respond(query, at=dt.datetime.now(dt.UTC)))
    done = rollover_tsa(fresh.directory, at=dt.datetime.now(dt.UTC))
    checked = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data), "-in", str(reply),
         "-CAfile", str(fresh.path("root.pem")), "-untrusted", str(done.retired.cert)],
        capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "Verification: OK" in checked.stdout


@pytest.mark.parametrize("at", [AT - 11 * YEAR, AT + 31 * YEAR, AT.replace(tzinfo=None)])
def test_no_successor_outside_the_root_or_without_a_zone(fresh: Pki, at: dt.datetime) -> None:
    before = fresh.path("tsa.pem").read_bytes()
    with pytest.raises(PkiError):
        rollover_tsa(fresh.directory, at=at)
    assert fresh.path("tsa.pem").read_bytes() == before


def test_cli_rollover_json(tmp_path: Path) -> None:
    pki = generate_pki(tmp_path / "pki", at=AT)
    first = pki.certificate("tsa").serial_number
    result = CliRunner().invoke(root, ["pki", "rollover-tsa", str(pki.directory), "--at",
                                       "2045-11-01T00:00:00Z", "--years", "5", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["retired"]["serial"] == f"{first:x}"
    assert report["active"]["not_after"] == "2050-10-31T00:00:00+00:00"
    active = load_pki(pki.directory).certificate("tsa").serial_number
    assert report["active"]["serial"] == f"{active:x}"


def test_cli_rollover_outside_the_root_is_a_configuration_error(tmp_path: Path) -> None:
    pki = generate_pki(tmp_path / "pki", at=AT)
    result = CliRunner().invoke(root, ["pki", "rollover-tsa", str(pki.directory), "--at",
                                       "2090-01-01T00:00:00Z", "--json"])
    assert result.exit_code == 7
    assert json.loads(result.stdout)["error"]["reason"] == "configuration"
    assert "outside the root's validity" in result.stderr
