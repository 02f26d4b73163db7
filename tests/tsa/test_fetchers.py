"""The in-process fetcher backend: the PKI's CRL and OCSP with no server, nothing else."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.authority import AuthorityWithCert
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError, RevokedError

from tsa.fetchers import embedded_fetcher_backend
from tsa.pki import Pki
from tsa.revocation import issuance_time
from tsa.services import PkiServices

LoadCert = Callable[[Path], Any]


def _context(pki: Pki, services: PkiServices, asn1_cert: LoadCert) -> ValidationContext:
    return ValidationContext(
        trust_roots=[asn1_cert(pki.path("root.pem"))], other_certs=[asn1_cert(pki.path("ca.pem"))],
        allow_fetching=True, revocation_mode="require",
        fetcher_backend=embedded_fetcher_backend(services))


def test_good_signer_validates_with_crl_and_ocsp(pki: Pki, pki_services: PkiServices,
                                                 asn1_cert: LoadCert) -> None:
    context = _context(pki, pki_services, asn1_cert)
    validator = CertificateValidator(asn1_cert(pki.signer("staff").cert),
                                     validation_context=context)
    asyncio.run(validator.async_validate_usage({"digital_signature"}))
    assert len(context.ocsps) == 1
    assert len(context.crls) == 1


def test_revoked_signer_is_reported_revoked(pki: Pki, pki_services: PkiServices,
                                            asn1_cert: LoadCert) -> None:
    validator = CertificateValidator(asn1_cert(pki.signer("revoked").cert),
                                     validation_context=_context(pki, pki_services, asn1_cert))
    with pytest.raises(RevokedError, match="compromised key"):
        asyncio.run(validator.async_validate_usage({"digital_signature"}))


def test_fetched_crl_is_the_one_served_over_http(pki: Pki, pki_services: PkiServices,
                                                 tsa_server: str, asn1_cert: LoadCert) -> None:
    fetchers = embedded_fetcher_backend(pki_services).get_fetchers()
    staff = asn1_cert(pki.signer("staff").cert)
    fetched = asyncio.run(fetchers.crl_fetcher.fetch(staff))
    over_http = requests.get(f"{tsa_server}/crl/ca.crl", timeout=5).content
    assert [c.dump() for c in fetched] == [over_http]
    assert list(fetchers.crl_fetcher.fetched_crls_for_cert(staff)) == fetched


def test_fetched_ocsp_matches_http(pki: Pki, pki_services: PkiServices, tsa_server: str,
                                   asn1_cert: LoadCert) -> None:
    from cryptography.x509 import ocsp

    fetchers = embedded_fetcher_backend(pki_services).get_fetchers()
    revoked = asn1_cert(pki.signer("revoked").cert)
    authority = AuthorityWithCert(asn1_cert(pki.path("ca.pem")))
    fetched = ocsp.load_der_ocsp_response(
        asyncio.run(fetchers.ocsp_fetcher.fetch(revoked, authority)).dump())
    request = ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_pem_x509_certificate(pki.signer("revoked").cert.read_bytes()),
        pki.certificate("ca"), hashes.SHA256()).build()
    over_http = ocsp.load_der_ocsp_response(requests.post(
        f"{tsa_server}/ocsp", data=request.public_bytes(serialization.Encoding.DER),
        headers={"Content-Type": "application/ocsp-request"}, timeout=5).content)
    for response in (fetched, over_http):
        assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
        assert response.revocation_reason is x509.ReasonFlags.key_compromise
        assert response.serial_number == revoked.serial_number
    assert fetched.revocation_time_utc == over_http.revocation_time_utc


def _foreign_cert(crl_url: str, ocsp_url: str) -> Any:
    """A throwaway certificate pointing its CRL and OCSP at ``crl_url``/``ocsp_url``."""
    from asn1crypto import x509 as asn1_x509

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "foreign")])
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]),
                False)
            .sign(key, hashes.SHA256()))
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.mark.parametrize(("crl_url", "ocsp_url"), [
    ("http://127.0.0.1:3161/crl/rogue.crl", "http://127.0.0.1:3161/ocsp/elsewhere"),
    ("http://127.0.0.1:3162/crl/ca.crl", "http://127.0.0.1:3162/ocsp"),
])
def test_urls_outside_the_pki_are_refused(pki_services: PkiServices, crl_url: str,
                                          ocsp_url: str) -> None:
    fetchers = embedded_fetcher_backend(pki_services).get_fetchers()
    cert = _foreign_cert(crl_url, ocsp_url)
    with pytest.raises(CRLFetchError, match="refused CRL URL"):
        asyncio.run(fetchers.crl_fetcher.fetch(cert))
    with pytest.raises(OCSPFetchError, match="refused OCSP URL"):
        asyncio.run(fetchers.ocsp_fetcher.fetch(cert, AuthorityWithCert(cert)))
    assert list(fetchers.crl_fetcher.fetched_crls()) == []


def test_no_issuer_certificates_are_fetched(pki_services: PkiServices) -> None:
    fetchers = embedded_fetcher_backend(pki_services).get_fetchers()
    cert = _foreign_cert("http://127.0.0.1:3161/crl/ca.crl", "http://127.0.0.1:3161/ocsp")

    async def collect() -> list[Any]:
        return [c async for c in fetchers.cert_fetcher.fetch_cert_issuers(cert)]

    assert asyncio.run(collect()) == []
    assert list(fetchers.cert_fetcher.fetched_certs()) == []


def test_fetcher_clock_sets_the_crl_time(pki: Pki, pki_services: PkiServices,
                                         asn1_cert: LoadCert, at: dt.datetime) -> None:
    services = PkiServices.from_pki(pki, state_dir=None)
    fetchers = embedded_fetcher_backend(services, clock=lambda: at).get_fetchers()
    (fetched,) = asyncio.run(fetchers.crl_fetcher.fetch(asn1_cert(pki.signer("staff").cert)))
    assert fetched["tbs_cert_list"]["this_update"].native == issuance_time(at)
