"""PkiServices: the three services of a PKI folder, with state that survives restarts."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from tsa.authority import TimeStampResponse
from tsa.errors import PkiError, TsaError
from tsa.pki import Pki, load_pki
from tsa.services import PkiServices


def _serial(services: PkiServices, request_der: bytes, at: dt.datetime) -> int:
    response = TimeStampResponse.load(services.timestamp(request_der, at=at))
    info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    return int(info["serial_number"].native)


def _crl_number(der: bytes) -> int:
    crl = x509.load_der_x509_crl(der)
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_urls_are_those_in_the_certificates(pki_services: PkiServices, pki: Pki) -> None:
    assert pki_services.tsa_url == "http://127.0.0.1:3161/tsa"
    staff = x509.load_pem_x509_certificate(pki.signer("staff").cert.read_bytes())
    crl_dp = staff.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    aia = staff.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert crl_dp[0].full_name[0].value == pki_services.crl_url("ca")  # type: ignore[index]
    assert aia[0].access_location.value == pki_services.ocsp_url


def test_unknown_crl_name(pki_services: PkiServices, at: dt.datetime) -> None:
    with pytest.raises(TsaError, match="name: no CRL called 'rogue'"):
        pki_services.crl("rogue", at=at)


def test_serials_and_crl_numbers_survive_a_restart(
        pki: Pki, tmp_path: Path, ts_request: Callable[..., Any], at: dt.datetime) -> None:
    request_der = ts_request().dump()
    first = PkiServices.from_pki(pki, state_dir=tmp_path)
    serial_before = _serial(first, request_der, at)
    number_before = _crl_number(first.crl("ca", at=at))
    restarted = PkiServices.from_pki(pki, state_dir=tmp_path)
    assert _serial(restarted, request_der, at) > serial_before
    assert _crl_number(restarted.crl("ca", at=at)) > number_before


def test_missing_key_is_a_pki_error(pki: Pki, tmp_path: Path) -> None:
    copy = tmp_path / "pki"
    shutil.copytree(pki.directory, copy)
    (copy / "ocsp.key.pem").unlink()
    with pytest.raises(PkiError, match="cannot load the CA or OCSP files"):
        PkiServices.from_pki(load_pki(copy), state_dir=None)


def test_missing_tsa_certificate_is_a_pki_error(pki: Pki, tmp_path: Path) -> None:
    copy = tmp_path / "pki"
    shutil.copytree(pki.directory, copy)
    (copy / "tsa.pem").unlink()
    with pytest.raises(PkiError, match="cannot load the TSA certificate or key"):
        PkiServices.from_pki(load_pki(copy), state_dir=None)
