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

__all__ = ["BankInfo", "list_banks", "set_bank"]


@dataclass(frozen=True)
class BankInfo:
    """A bank and the days electronic issuing to it is allowed."""

    code: str
    name: str
    agreement_start: dt.date
    agreement_end: dt.date | None


def set_bank(registry: Registry, *, code: str, name: str, start: dt.date,
             end: dt.date | None = None, actor: str, at: dt.datetime) -> BankInfo:
    """Add a bank or change its name and agreement window (audited).

    :raises InputError: the code is not 4 digits, the name is blank or too long (the
        documents' own bank rules), or the window ends before it starts.
    """
    checked = documents.Bank.from_mapping({"code": code, "name": name}, prefix="bank")
    code, name = checked.code, checked.name
    if end is not None and end < start:
        raise InputError(f"agreement ends ({end}) before it starts ({start})", field="end")
    with registry.writing() as session:
        bank = session.get(Bank, code) or Bank(code=code)
        bank.name, bank.agreement_start, bank.agreement_end = name, start, end
        session.add(bank)
        audit.append(session, at=at, actor=actor, action="bank",
                     detail={"code": code, "name": name, "start": start, "end": end})
        return BankInfo(code, name, start, end)


def list_banks(registry: Registry) -> list[BankInfo]:
    """Every bank, by code."""
    with registry.reading() as session:
        rows = session.execute(select(Bank).order_by(Bank.code)).scalars()
        return [BankInfo(b.code, b.name, b.agreement_start, b.agreement_end) for b in rows]
