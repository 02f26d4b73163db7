"""The embedded time stamper: pyHanko's TimeStamper answered by our authority in-process."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from tsa.authority import TimeStampAuthority
from tsa.client import EmbeddedTimeStamper
from tsa.fetchers import embedded_fetcher_backend
from tsa.pki import Pki
from tsa.serials import MemorySerials
from tsa.services import PkiServices


@pytest.fixture
def fixed_stamper(pki: Pki, at: dt.datetime) -> EmbeddedTimeStamper:
    authority = TimeStampAuthority.from_pki(pki, serials=MemorySerials())
    return EmbeddedTimeStamper(authority, clock=lambda: at)


def test_token_carries_the_clock_time(fixed_stamper: EmbeddedTimeStamper,
                                      at: dt.datetime) -> None:
    digest = hashlib.sha256(b"document").digest()
    token = asyncio.run(fixed_stamper.async_timestamp(digest, "sha256"))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["gen_time"].native == at
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native is not None  # pyHanko sent one and checked the echo


def test_refusal_becomes_pyhanko_timestamp_error(fixed_stamper: EmbeddedTimeStamper) -> None:
    with pytest.raises(TimestampRequestError, match=r'failInfo "bad_alg"'):
        asyncio.run(fixed_stamper.async_timestamp(hashlib.sha1(b"x").digest(), "sha1"))


def test_document_timestamp_with_embedded_revocation_data(
        pki: Pki, asn1_cert: Callable[[Path], Any]) -> None:
    """A PDF document timestamp whose DSS is filled by the in-process fetcher validates."""
    services = PkiServices.from_pki(pki, state_dir=None)
    root = asn1_cert(pki.path("root.pem"))
    signing_context = ValidationContext(
        trust_roots=[root], allow_fetching=True, revocation_mode="require",
        fetcher_backend=embedded_fetcher_backend(services))
    blank = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(blank)
    blank.seek(0)
    output = PdfTimeStamper(EmbeddedTimeStamper(services.authority)).timestamp_pdf(
        IncrementalPdfFileWriter(blank), "sha256", validation_context=signing_context)

    reader = PdfFileReader(output)
    assert len(reader.embedded_signatures) == 1
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) >= 1  # the root's CRL, for the TSA certificate
    offline = ValidationContext(trust_roots=[root], allow_fetching=False,
                                revocation_mode="require",
                                crls=[c.get_object().data for c in dss["/CRLs"]])
    status = validate_pdf_timestamp(reader.embedded_signatures[0], validation_context=offline)
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
