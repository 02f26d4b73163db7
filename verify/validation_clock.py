"""pyHanko's past certificate validation, started at the validation time, not the wall clock.

ETSI EN 319 102-1 §5.6.2.1 starts the time slide of past certificate validation at the
validation time.  pyhanko-certvalidator 0.33's ``past_validate`` takes that time as
``init_control_time``, but pyHanko 0.38 calls it with ``None`` from
``_build_and_past_validate_cert`` (``pyhanko/sign/validation/ades.py``), and ``None`` means
``datetime.now()``.  Validation at any other time than now then slides from the wrong
place: "in 2051" (``--at``) on a machine whose clock says 2026, revocation data issued in
2045 by a renewal counts as issued after the control time and is ignored, and a renewed
file comes out INDETERMINATE/NO_POE although the same pyHanko, with the machine's clock at
2051, finds it valid (``tests/verify/test_long_term_renewal.py`` checks both ways).

:func:`validation_clock` makes that one default the validation time for the duration of a
verification, through a context variable, so concurrent verifications in other threads or
tasks keep their own.  Only ``now()`` of the module ``pyhanko_certvalidator.ltv.ades_past``
changes, and only while a validation time is set; everything else in pyHanko takes its
times from the parameters we pass.  Remove this when pyHanko passes the validation time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo

import pyhanko_certvalidator.ltv.ades_past as _ades_past

__all__ = ["validation_clock"]

_AT: ContextVar[datetime | None] = ContextVar("pdfsign_validation_time", default=None)


class _ValidationTime(datetime):
    """``datetime`` whose ``now()`` is the validation time while one is set."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        at = _AT.get()
        if at is None:
            return datetime.now(tz)
        return at.astimezone(tz) if tz is not None else at


_ades_past.datetime = _ValidationTime  # type: ignore[misc,attr-defined]


@contextmanager
def validation_clock(at: datetime) -> Iterator[None]:
    """Within this block (and the event loops it starts), pyHanko's past validation starts
    its time slide at ``at``."""
    token = _AT.set(at)
    try:
        yield
    finally:
        _AT.reset(token)
