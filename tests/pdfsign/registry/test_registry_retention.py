"""Retention: purge deletes exactly what is due and logs it."""

from __future__ import annotations

import datetime as dt

import pytest
from registry_samples import T0, certificate, producer

from pdfsign.registry import Registry, VersionPurgedError, purge

DAY = dt.timedelta(days=1)


def _one_of_each(registry: Registry) -> dict[str, str]:
    """A live certificate, a test slip, an invalidated certificate and a repaid one, at T0."""
    files = {"live": certificate(1), "slip": certificate(2, kind="test-slip"),
             "invalidated": certificate(3), "repaid": certificate(4, kind="guarantee-change")}
    for label, new in files.items():
        registry.issue(new, producer(label), actor="a", at=T0)
    registry.reissue(files["invalidated"].file_id, producer("v2"), actor="a", at=T0)
    registry.invalidate(files["invalidated"].file_id, "cancelled", producer("n"), actor="a", at=T0)
    registry.mark_repaid(files["repaid"].file_id, on=dt.date(2026, 11, 2), actor="a", at=T0)
    return {label: new.file_id for label, new in files.items()}


def test_nothing_is_due_after_59_days(registry: Registry) -> None:
    _one_of_each(registry)
    assert purge(registry, at=T0 + 59 * DAY, actor="cron").items == ()


def test_61_days_after_sending_removes_slips_and_notices_only(registry: Registry) -> None:
    ids = _one_of_each(registry)
    before = {fid: registry.history(fid) for fid in ids.values()}
    dry = purge(registry, at=T0 + 61 * DAY, actor="cron", dry_run=True)
    assert [(i.file_id, i.version, i.rule) for i in dry.items] == [
        (ids["slip"], 1, "test-slip"), (ids["invalidated"], 3, "invalidation")]
    assert {fid: registry.history(fid) for fid in ids.values()} == before  # dry run: no change

    report = purge(registry, at=T0 + 61 * DAY, actor="cron")
    assert [(i.file_id, i.version) for i in report.items] == [(i.file_id, i.version)
                                                              for i in dry.items]
    for item in report.items:
        assert not registry.blobs.path(item.sha256).exists()
        with pytest.raises(VersionPurgedError, match="was deleted on 2027-01-02"):
            registry.pdf(item.file_id, item.version)
    registry.pdf(ids["invalidated"], 1)  # the certificates beneath the notice stay for staff
    registry.pdf(ids["invalidated"], 2)
    registry.pdf(ids["live"])
    registry.pdf(ids["repaid"])
    assert registry.file(ids["slip"]).state == "purged"
    assert purge(registry, at=T0 + 62 * DAY, actor="cron").items == ()  # nothing twice
    audit = registry.verify_audit()
    assert audit.ok
    assert audit.entries == 2 + 7 + 2


def test_repaid_certificate_goes_two_years_later(registry: Registry) -> None:
    ids = _one_of_each(registry)
    due = dt.datetime(2028, 11, 1, 15, 0, tzinfo=dt.UTC)  # 2028-11-02 00:00 JST
    purge(registry, at=due - dt.timedelta(seconds=1), actor="cron")
    registry.pdf(ids["repaid"])
    report = purge(registry, at=due, actor="cron")
    assert [(i.file_id, i.rule) for i in report.items] == [(ids["repaid"], "repaid")]
    with pytest.raises(VersionPurgedError):
        registry.pdf(ids["repaid"])
    registry.pdf(ids["live"])
