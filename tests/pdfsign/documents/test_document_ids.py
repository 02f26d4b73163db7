"""File IDs, user IDs and fixed-width codes (pdfsign.documents.ids)."""

from __future__ import annotations

import pytest

from pdfsign.documents.ids import FileId, parse_code, parse_user_id
from pdfsign.errors import InputError


@pytest.mark.parametrize(("value", "width", "expected"), [
    ("12345", 9, "000012345"), (12345, 9, "000012345"), ("000", 3, "000"), (0, 3, "000"),
    ("2345", 4, "2345"),
])
def test_codes_are_zero_padded(value: object, width: int, expected: str) -> None:
    assert parse_code(value, width=width, field="f") == expected


@pytest.mark.parametrize("value", ["1234567890", "12a", "１２３", -1, 1.5, True, None, " 12", ""])
def test_bad_codes_are_rejected_naming_the_field(value: object) -> None:
    with pytest.raises(InputError) as caught:
        parse_code(value, width=9, field="customer_number")
    assert caught.value.field == "customer_number"
    assert " / " in caught.value.message  # Japanese / English


def test_file_id_formats_and_parses_round_trip() -> None:
    file_id = FileId.from_parts(association=14, bank="2345", branch=2, customer=12345678,
                                guarantee="2026001234", change=0)
    assert file_id.filename == "14_2345002_012345678_2026001234_000.pdf"
    assert FileId.parse(file_id.filename) == file_id
    assert FileId.parse(file_id.stem) == file_id


@pytest.mark.parametrize("text", [
    "14_2345002_012345678_2026001234.pdf",
    "14_2345_002_012345678_2026001234_000.pdf",
    "14_2345002_12345678_2026001234_000.pdf",
    "14_2345002_012345678_2026001234_000.txt",
    "../14_2345002_012345678_2026001234_000.pdf",
])
def test_malformed_file_ids_are_rejected(text: str) -> None:
    with pytest.raises(InputError, match="file ID"):
        FileId.parse(text)


def test_file_id_part_too_long_names_the_part() -> None:
    with pytest.raises(InputError) as caught:
        FileId.from_parts(association=14, bank=12345, branch=2, customer=1, guarantee=1)
    assert caught.value.field == "bank.code"


def test_user_id_splits_into_parts_and_knows_head_office() -> None:
    branch_user = parse_user_id("14234500201")
    assert (branch_user.association, branch_user.bank, branch_user.branch,
            branch_user.serial) == ("14", "2345", "002", "01")
    assert not branch_user.is_head_office
    assert parse_user_id("14234500001").is_head_office
    assert str(branch_user) == "14234500201"


@pytest.mark.parametrize("text", ["1423450020", "142345002011", "1423450020a"])
def test_bad_user_ids_are_rejected(text: str) -> None:
    with pytest.raises(InputError, match="user ID"):
        parse_user_id(text)
