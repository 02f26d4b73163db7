"""A rendered guarantee certificate signed ES-A (B-LTA) stays within the 100 KB budget.

Signs with the bundled, in-process TSA and revocation services over the committed test PKI.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from render_samples import Rendered

from pdfsign.render import render_pdf
from pdfsign.signing import load_signer, parse_level, sign_pdf, signing_services

PKI_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "pki"
#: DOMAIN.md's budget for a signed ES-A certificate (the seed's files were about 200 KB).
MAX_SIGNED_BYTES = 100_000


@pytest.mark.parametrize("name", ["guarantee", "guarantee-change"])
def test_signed_es_a_certificate_is_at_most_100_kb(rendered: dict[str, Rendered],
                                                   name: str) -> None:
    at = dt.datetime.now(dt.UTC)  # the test PKI's certificates and CRLs are valid "now"
    document = rendered[name].document
    assert document.kind.level == "ES-A"
    services = signing_services(pki_dir=PKI_DIR, state_dir=None)
    signed = sign_pdf(
        render_pdf(document, created_at=at),
        signer=load_signer(PKI_DIR / "signers" / "staff.p12", "TestPin2026"),
        level=parse_level(document.kind.level), timestamper=services.timestamper,
        validation_context_factory=services.validation_context, at=at,
    )
    assert signed.startswith(rendered[name].pdf[:8])
    assert len(signed) <= MAX_SIGNED_BYTES
