"""Sample registry data for the tests: certificates' metadata and stand-in PDF bytes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from pdfsign.registry import NewFile

#: The registry clock of the tests: a fixed instant inside bank 0001's agreement.
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def certificate(n: int = 1, *, bank: str = "0001", branch: str = "001", kind: str = "guarantee",
                name: str = "山田太郎", day: dt.date = dt.date(2026, 10, 1)) -> NewFile:
    """The registry metadata of test certificate number ``n``."""
    customer, guarantee = f"{n:09d}", f"{1000000000 + n:010d}"
    change = "000" if kind != "guarantee-change" else "001"
    return NewFile(file_id=f"14_{bank}{branch}_{customer}_{guarantee}_{change}", kind=kind,
                   association_code="14", bank_code=bank, branch_code=branch,
                   customer_number=customer, guarantee_number=guarantee, change_number=change,
                   customer_name=name, guarantee_date=day)


def fake_pdf(label: str) -> bytes:
    """Distinct bytes standing in for a signed PDF (the registry stores bytes, it never parses)."""
    return f"%PDF-1.7\n% {label} {uuid.uuid4()}\n%%EOF\n".encode()


def producer(label: str) -> Callable[..., bytes]:
    """A producer for issue/reissue/invalidate that records its arguments in the bytes."""
    return lambda *args: fake_pdf(f"{label} {args[-1] if args else ''}")
