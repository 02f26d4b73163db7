"""The one-pass B-LTA validation gives pyHanko's result on every signed sample, now and years
later, offline and online: the time-stamp validations it takes instead of repeating them
change nothing (module :mod:`verify.lta`)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from asn1crypto import cms
from lta_equivalence import same_as_pyhanko
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import AdESBasicValidationResult, ValidationObjectSet
from verify_samples import EXPECTED, SampleSet

from verify import TrustSettings, load_trust_settings
from verify.fetching import Outcome
from verify.lta import PassedTimestamps
from verify.report import ServiceFailure

#: The samples with a signature pyHanko can read (the others never reach the AdES layer).
SIGNED = [name for name, (verdict, _) in EXPECTED.items()
          if verdict not in ("malformed", "not-signed") and name != "hidden-object"]
#: When to compare, against the test PKI (fixtures/pki): now; once the signer's certificate
#: has expired (5 years) and the TSA's has not (20); once the TSA's has too, the issuing
#: CA's not yet (25).
LATER = {"now": dt.timedelta(minutes=1), "in 10 years": dt.timedelta(days=10 * 365),
         "in 21 years": dt.timedelta(days=21 * 365)}


@pytest.mark.parametrize("when", list(LATER))
@pytest.mark.parametrize("name", SIGNED)
def test_same_as_pyhanko_offline(samples: SampleSet, trust: TrustSettings, name: str,
                                 when: str) -> None:
    same_as_pyhanko(samples.path(name).read_bytes(), trust, samples.signed_at + LATER[when])


@pytest.mark.parametrize("name", ["es-a", "es-a-stale-revinfo", "es-a-added-annotation",
                                  "revoked", "wrong-imprint"])
def test_same_as_pyhanko_online(samples: SampleSet, pki_url_server: str, name: str) -> None:
    settings = load_trust_settings(trust=[samples.root])
    same_as_pyhanko(samples.path(name).read_bytes(), settings, dt.datetime.now(dt.UTC))


def test_the_es_a_comparison_takes_both_time_stamps(samples: SampleSet,
                                                    trust: TrustSettings) -> None:
    """Against a vacuous pass: on a fresh ES-A both its time-stamps were there to take."""
    taken = same_as_pyhanko(samples.path("es-a").read_bytes(), trust,
                            samples.signed_at + LATER["now"])
    assert taken == 2


_PASS = AdESBasicValidationResult(ades_subindic=AdESPassed.OK, api_status=None,
                                  failure_msg=None, validation_objects=ValidationObjectSet(()))


def test_a_pass_is_kept_for_its_token_and_imprint_only(samples: SampleSet,
                                                       trust: TrustSettings) -> None:
    """The same token stamped on other data (a copied time-stamp) is not a pass; a pass met
    with a fetch failure, or by the run without fetching, is not kept."""
    reader = PdfFileReader(io.BytesIO(samples.path("es-a").read_bytes()), strict=False)
    token: cms.SignedData = reader.embedded_timestamp_signatures[0].signed_data
    table = PassedTimestamps()
    table.record(token, b"imprint", Outcome(_PASS))
    assert table.get(token, b"imprint") is _PASS
    assert table.get(token, b"other imprint") is None
    refused = ServiceFailure("http://127.0.0.1:9/crl", "crl", "connection refused")
    for outcome in (Outcome(_PASS, local=True), Outcome(_PASS, (refused,))):
        other = PassedTimestamps()
        other.record(token, b"imprint", outcome)
        assert other.get(token, b"imprint") is None
