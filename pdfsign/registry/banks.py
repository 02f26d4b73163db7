"""Banks with an electronic-issuing agreement: registering them and their agreement window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from pdfsign import documents
from pdfsign.errors import InputError
from pdfsign.registry import audit
from pdfsign.registry.models import Bank
from pdfsign.registry.store import Registry

__all__ = ["DELIVERY_MODES", "BankInfo", "list_banks", "set_bank"]

#: How a bank's users hear of uploads: an e-mail without a link (they sign in and search), or
#: one with an expiring direct link to the file (DOMAIN.md, "Upload notification e-mail").
DELIVERY_MODES = ("storage", "distribution")


@dataclass(frozen=True)
class BankInfo:
    """A bank and the days electronic issuing to it is allowed."""

    code: str
    name: str
    agreement_start: dt.date
    agreement_end: dt.date | None
    #: ``storage`` or ``distribution`` (see :data:`DELIVERY_MODES`).
    mode: str = "storage"

    @classmethod
    def of(cls, row: Bank) -> BankInfo:
        """Snapshot an ORM row."""
        return cls(row.code, row.name, row.agreement_start, row.agreement_end,
                   row.delivery_mode or "storage")


def set_bank(registry: Registry, *, code: str, name: str, start: dt.date,
             end: dt.date | None = None, mode: str | None = None, actor: str,
             at: dt.datetime) -> BankInfo:
    """Add a bank or change its name, agreement window and delivery mode (audited).

    :param mode: ``storage`` or ``distribution``; ``None`` keeps a known bank's mode (a new
        bank starts in ``storage``), so changing the window never switches links on or off.
    :raises InputError: the code is not 4 digits, the name is blank or too long (the
        documents' own bank rules), the window ends before it starts, or an unknown mode.
    """
    checked = documents.Bank.from_mapping({"code": code, "name": name}, prefix="bank")
    code, name = checked.code, checked.name
    if end is not None and end < start:
        raise InputError(f"agreement ends ({end}) before it starts ({start})", field="end")
    if mode is not None and mode not in DELIVERY_MODES:
        raise InputError(f"配信方式は {' か '.join(DELIVERY_MODES)} です / must be one of "
                         f"{', '.join(DELIVERY_MODES)}, not {mode!r}", field="mode")
    with registry.writing() as session:
        bank = session.get(Bank, code) or Bank(code=code, delivery_mode="storage")
        bank.name, bank.agreement_start, bank.agreement_end = name, start, end
        bank.delivery_mode = mode or bank.delivery_mode or "storage"
        session.add(bank)
        audit.append(session, at=at, actor=actor, action="bank",
                     detail={"code": code, "name": name, "start": start, "end": end,
                             "mode": bank.delivery_mode})
        return BankInfo.of(bank)


def list_banks(registry: Registry) -> list[BankInfo]:
    """Every bank, by code."""
    with registry.reading() as session:
        rows = session.execute(select(Bank).order_by(Bank.code)).scalars()
        return [BankInfo.of(b) for b in rows]
