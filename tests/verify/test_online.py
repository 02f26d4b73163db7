"""Revocation data fetched from the certificates' URLs (our server at 127.0.0.1:3161)."""

from __future__ import annotations

import datetime as dt

from verify_samples import SampleSet

from verify import Verdict, load_trust_settings, verify_pdf


def test_es_t_fetches_revocation_data(samples: SampleSet, pki_url_server: str) -> None:
    settings = load_trust_settings(trust=[samples.root])
    data = samples.path("es-t").read_bytes()
    report = verify_pdf(data, path="es-t.pdf", settings=settings, at=dt.datetime.now(dt.UTC))
    assert report.verdict is Verdict.VALID, report.reason
    assert report.signatures[0].revocation.sources == ("fetched",)
    assert report.signatures[0].revocation.status == "good"


def test_offline_without_revocation_data_is_not_valid(samples: SampleSet) -> None:
    settings = load_trust_settings(trust=[samples.root], offline=True)
    data = samples.path("es-t").read_bytes()
    report = verify_pdf(data, path="es-t.pdf", settings=settings, at=dt.datetime.now(dt.UTC))
    assert report.verdict is Verdict.INDETERMINATE
    assert report.signatures[0].revocation.status == "unknown"


def test_es_a_needs_nothing_but_the_root(samples: SampleSet) -> None:
    settings = load_trust_settings(trust=[samples.root], offline=True)
    data = samples.path("es-a").read_bytes()
    report = verify_pdf(data, path="es-a.pdf", settings=settings, at=dt.datetime.now(dt.UTC))
    assert report.verdict is Verdict.VALID, report.reason
    assert report.signatures[0].revocation.sources == ("dss",)
