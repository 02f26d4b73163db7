"""Search: filters, default order, pages of 100, the 2,000 cap, access per bank user."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from registry_samples import T0, certificate, producer

from pdfsign.documents import parse_user_id
from pdfsign.errors import InputError, PermissionDenied
from pdfsign.registry import (
    CAP_MESSAGE,
    ZIP_LIST_NAME,
    Registry,
    SearchQuery,
    UnknownFileError,
    export_zip,
    matching,
    recipient_pdf,
    require_visible,
    search,
)
from pdfsign.registry.models import File

HOUR = dt.timedelta(hours=1)
HEAD_OFFICE = parse_user_id("14000100001")
BRANCH_1 = parse_user_id("14000100101")
BRANCH_2 = parse_user_id("14000100201")
OTHER_ASSOCIATION = parse_user_id("13000100001")


@pytest.fixture
def filled(registry: Registry) -> Registry:
    """Five files over two branches, uploaded an hour apart."""
    plan = [(1, "001", "guarantee", "山田太郎", dt.date(2026, 10, 1)),
            (2, "001", "guarantee-change", "山田花子", dt.date(2026, 10, 3)),
            (3, "002", "guarantee", "鈴木一郎", dt.date(2026, 10, 2)),
            (4, "002", "test-slip", None, None),
            (5, "001", "guarantee", "佐藤次郎", dt.date(2026, 9, 1))]
    for n, branch, kind, name, day in plan:
        new = certificate(n, branch=branch, kind=kind, name=name or "", day=day or T0.date())
        registry.issue(new, producer(str(n)), actor="a", at=T0 + n * HOUR)
    registry.invalidate(certificate(5).file_id, "cancelled", producer("n"), actor="a",
                        at=T0 + 6 * HOUR)
    return registry


def _ids(result: object) -> list[int]:
    rows = result.rows if hasattr(result, "rows") else result  # type: ignore[attr-defined]
    return [int(r.customer_number) for r in rows]


def test_default_order_is_upload_desc(filled: Registry) -> None:
    assert _ids(search(filled, SearchQuery(), viewer=None, at=T0)) == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(("query", "expected"), [
    (SearchQuery(customer_name="山田"), [2, 1]),
    (SearchQuery(customer_number="000000003"), [3]),
    (SearchQuery(guarantee_number="1000000002"), [2]),
    (SearchQuery(change_number="001"), [2]),
    (SearchQuery(customer_number="3"), [3]),  # typed short, zero-padded like the stored code
    (SearchQuery(guarantee_number="1000000002", change_number="1", branch_code="1"), [2]),
    (SearchQuery(kinds=(1,)), [3, 1]),
    (SearchQuery(kinds=(2, 4)), [4, 2]),
    (SearchQuery(kinds=(3,)), [5]),
    (SearchQuery(branch_code="002"), [4, 3]),
    (SearchQuery(bank_code="0002"), []),
    (SearchQuery(file_id_prefix="14_0001002_"), [4, 3]),
    (SearchQuery(guarantee_from=dt.date(2026, 10, 2), guarantee_to=dt.date(2026, 10, 3)), [3, 2]),
    (SearchQuery(uploaded_from=dt.date(2026, 11, 2), uploaded_to=dt.date(2026, 11, 2)),
     [5, 4, 3, 2, 1]),
    (SearchQuery(uploaded_from=dt.date(2026, 11, 3)), []),
    (SearchQuery(sort=("guarantee_date",)), [5, 1, 3, 2, 4]),
    (SearchQuery(sort=("-customer_name",)), [3, 2, 1, 5, 4]),  # code point order
])
def test_filters_and_sorting(filled: Registry, query: SearchQuery, expected: list[int]) -> None:
    assert _ids(search(filled, query, viewer=None, at=T0)) == expected


def test_bad_query_is_refused() -> None:
    with pytest.raises(InputError, match="cannot sort by password"):
        SearchQuery(sort=("password",))
    with pytest.raises(InputError, match="file kind must be"):
        SearchQuery(kinds=(7,))
    with pytest.raises(InputError, match="digits only") as caught:
        SearchQuery(customer_number="12x")
    assert caught.value.field == "customer_number"
    with pytest.raises(InputError, match="at most 4 digits") as caught:
        SearchQuery(bank_code="00001")
    assert caught.value.field == "bank_code"


def test_access_per_bank_user(filled: Registry) -> None:
    assert _ids(search(filled, SearchQuery(), viewer=HEAD_OFFICE, at=T0)) == [5, 4, 3, 2, 1]
    assert _ids(search(filled, SearchQuery(), viewer=BRANCH_1, at=T0)) == [5, 2, 1]
    assert _ids(search(filled, SearchQuery(), viewer=BRANCH_2, at=T0)) == [4, 3]
    assert _ids(search(filled, SearchQuery(), viewer=OTHER_ASSOCIATION, at=T0)) == []
    file = filled.file(certificate(3, branch="002").file_id)
    require_visible(BRANCH_2, file, at=T0)
    with pytest.raises(UnknownFileError):
        require_visible(BRANCH_1, file, at=T0)


def test_transfer_and_subrogation_change_access(filled: Registry) -> None:
    moved = certificate(3, branch="002").file_id
    filled.transfer(moved, bank_code="0002", branch_code="001", actor="a", at=T0)
    assert _ids(search(filled, SearchQuery(), viewer=BRANCH_2, at=T0)) == [4]
    assert _ids(search(filled, SearchQuery(), viewer=parse_user_id("14000200101"), at=T0)) == [3]
    filled.subrogate(certificate(1).file_id, on=dt.date(2026, 12, 1), actor="a", at=T0)
    on_day = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
    assert _ids(search(filled, SearchQuery(), viewer=BRANCH_1,
                       at=on_day - dt.timedelta(seconds=1))) == [5, 2, 1]
    assert _ids(search(filled, SearchQuery(), viewer=BRANCH_1, at=on_day)) == [5, 2]
    assert 1 in _ids(search(filled, SearchQuery(), viewer=None, at=on_day))  # staff still see it


def test_pages_and_cap(registry: Registry) -> None:
    with registry.writing() as session:  # 2,001 rows straight into the table: only search runs
        session.add_all(File(file_id=f"14_0001001_{n:09d}_0000000001_000", kind="guarantee",
                             state="active", association_code="14", bank_code="0001",
                             branch_code="001", customer_number=f"{n:09d}", issue_count=1,
                             current_version=1, uploaded_at=T0 + n * dt.timedelta(seconds=1))
                        for n in range(2001))
    first = search(registry, SearchQuery(), viewer=None, at=T0)
    assert (len(first.rows), first.total, first.pages, first.capped) == (100, 2001, 20, True)
    assert first.shown == 2000
    assert first.message == CAP_MESSAGE
    assert CAP_MESSAGE == "検索結果が2,000件を超えています。検索を絞り込んでください"
    assert _ids(first)[:2] == [2000, 1999]
    last = search(registry, SearchQuery(page=20), viewer=None, at=T0)
    assert _ids(last)[-1] == 1  # the 2,000th result; the 2,001st is never shown
    assert search(registry, SearchQuery(page=21), viewer=None, at=T0).rows == ()
    narrowed = search(registry, SearchQuery(file_id_prefix="14_0001001_0000001"), viewer=None,
                      at=T0)
    assert (narrowed.total, narrowed.capped, narrowed.message) == (100, False, None)
    assert (narrowed.shown, narrowed.pages) == (100, 1)


def test_export_zip_holds_the_current_pdfs(filled: Registry) -> None:
    files = matching(filled, SearchQuery(branch_code="002"), viewer=None, at=T0)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(filled, files)))
    assert archive.namelist() == [*(f"{f.file_id}.pdf" for f in files), ZIP_LIST_NAME]
    for info in files:
        assert archive.read(f"{info.file_id}.pdf") == filled.pdf(info.file_id)[1]
    listed = list(csv.DictReader(io.StringIO(archive.read(ZIP_LIST_NAME).decode("utf-8-sig"))))
    assert [row["file_id"] for row in listed] == [f.file_id for f in files]
    assert [row["customer_name"] for row in listed] == [f.customer_name or "" for f in files]


def test_bank_users_download_only_the_current_version(filled: Registry) -> None:
    file_id = certificate(1).file_id
    filled.reissue(file_id, producer("v2"), actor="a", at=T0 + 7 * HOUR)
    version, pdf = recipient_pdf(filled, BRANCH_1, file_id, at=T0)
    assert (version.number, pdf) == (2, filled.pdf(file_id)[1])
    assert recipient_pdf(filled, HEAD_OFFICE, file_id, 2, at=T0)[0].number == 2
    with pytest.raises(PermissionDenied, match=r"only the current version \(2\)") as caught:
        recipient_pdf(filled, BRANCH_1, file_id, 1, at=T0)
    assert caught.value.field == "version"
    with pytest.raises(UnknownFileError):
        recipient_pdf(filled, BRANCH_2, file_id, at=T0)
    assert filled.pdf(file_id, 1)[0].number == 1  # staff still read every version
