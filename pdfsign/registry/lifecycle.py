"""The lifecycle rules of DOMAIN.md as code: states, retention periods, the agreement window.

Calendar dates (agreement days, repayment and subrogation dates) are Japanese
dates; they are turned into instants at 00:00 JST.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from pdfsign.registry.errors import AgreementWindowError, FileStateError, UnknownBankError
from pdfsign.registry.models import Bank, File
from pdfsign.registry.records import GUARANTEE_FAMILY

__all__ = [
    "INVALIDATION_REASONS",
    "JST",
    "RETENTION_REPAID_YEARS",
    "RETENTION_SENT",
    "check_may_issue",
    "jst_midnight",
    "repaid_delete_due",
    "require_bank",
    "require_state",
]

JST = dt.timezone(dt.timedelta(hours=9), "JST")
#: Test slips and invalidation notices are deleted 60 days after sending.
RETENTION_SENT = dt.timedelta(days=60)
#: Repaid certificates are deleted "about 2 years" after repayment: the same day 2 years later.
RETENTION_REPAID_YEARS = 2
#: Why a certificate is invalidated: loan execution cancelled, or re-issued on paper.
INVALIDATION_REASONS = ("cancelled", "paper-reissue")


def jst_midnight(day: dt.date) -> dt.datetime:
    """The instant a Japanese calendar day starts, in UTC."""
    return dt.datetime.combine(day, dt.time(), JST).astimezone(dt.UTC)


def repaid_delete_due(repaid_on: dt.date) -> dt.datetime:
    """When a certificate repaid on ``repaid_on`` is due for deletion (29 Feb → 1 Mar)."""
    year = repaid_on.year + RETENTION_REPAID_YEARS
    try:
        due = repaid_on.replace(year=year)
    except ValueError:  # 29 February, and the target year is not a leap year
        due = dt.date(year, 3, 1)
    return jst_midnight(due)


def require_state(row: File, state: str, *, action: str) -> None:
    """Refuse ``action`` unless the file is in ``state``, saying what state it is in."""
    if row.state != state:
        raise FileStateError(f"cannot {action} {row.file_id}: it is {row.state}", field="state")


def require_bank(session: Session, bank_code: str) -> Bank:
    """The bank with ``bank_code``. :raises UnknownBankError: no agreement with such a bank."""
    bank = session.get(Bank, bank_code)
    if bank is None:
        raise UnknownBankError(f"電子発行の契約がある金融機関ではありません（{bank_code}） / "
                               f"no bank {bank_code!r} has an electronic-issuing agreement",
                               field="bank_code")
    return bank


def check_may_issue(session: Session, kind: str, bank_code: str, *, at: dt.datetime) -> None:
    """Enforce the agreement window for ``kind`` addressed to ``bank_code`` at ``at``.

    Certificates need ``start <= today <= end`` (Japanese date).  Test slips are sent
    *before* go-live, so only the end date applies to them.  Invoices and delegation
    letters are not sent through a bank's agreement; a bank code is checked if given.

    :raises UnknownBankError: the bank has no agreement.
    :raises AgreementWindowError: today is outside the window.
    """
    if kind not in (*GUARANTEE_FAMILY, "test-slip") and not bank_code:
        return
    bank = require_bank(session, bank_code)
    today = at.astimezone(JST).date()
    if kind in GUARANTEE_FAMILY and today < bank.agreement_start:
        raise AgreementWindowError(f"bank {bank_code}'s agreement starts on "
                                   f"{bank.agreement_start}; today is {today}", field="bank_code")
    if bank.agreement_end is not None and today > bank.agreement_end:
        raise AgreementWindowError(f"bank {bank_code}'s agreement ended on "
                                   f"{bank.agreement_end}; today is {today}", field="bank_code")
