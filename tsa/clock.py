"""Clocks for the bundled services: the system time, or the system time moved to another year.

Time travel is how a claim about "years later" is checked with a clock: ``pdfsign tsa serve
--clock +7y`` answers time-stamp, CRL and OCSP requests as the services would in seven
years, so a file signed today can be verified against them "in 2033".  A shifted clock
keeps ticking (each reading is the system time plus a fixed offset), so time-stamps made
one after the other still get increasing ``genTime``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from tsa.errors import TsaError

__all__ = ["Clock", "ShiftedClock", "parse_clock", "utc_now"]

#: A source of the current time (tz-aware); tests pass a fixed one.
Clock = Callable[[], dt.datetime]

_OFFSET = re.compile(r"([+-])((?:\d+[ydhms])+)")
_PART = re.compile(r"(\d+)([ydhms])")
_UNITS = {"d": dt.timedelta(days=1), "h": dt.timedelta(hours=1),
          "m": dt.timedelta(minutes=1), "s": dt.timedelta(seconds=1)}


def utc_now() -> dt.datetime:
    """The default clock: the system time in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ShiftedClock:
    """The system time plus ``offset``; a module-level class, so it pickles to workers."""

    offset: dt.timedelta

    def __call__(self) -> dt.datetime:
        return utc_now() + self.offset


def parse_clock(text: str, *, now: dt.datetime | None = None) -> ShiftedClock:
    """Read ``--clock``: an ISO 8601 instant (the clock starts there and ticks on) or an offset
    from now such as ``+6y``, ``-30d``, ``+2h``, ``+1y6d`` (calendar years, as ``date -d
    '+6 years'`` counts them: the same day of the year, 28 February for 29 February).

    :param now: the system time the offset is measured against (default: now).
    :raises TsaError: naming ``--clock`` and what is accepted.
    """
    now = now or utc_now()
    text = text.strip()
    offset = _OFFSET.fullmatch(text)
    if offset is not None:
        sign = -1 if offset.group(1) == "-" else 1
        target = now
        for n, unit in _PART.findall(offset.group(2)):
            target = _years_later(target, sign * int(n)) if unit == "y" \
                else target + sign * int(n) * _UNITS[unit]
        return ShiftedClock(target - now)
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise TsaError(f"not an ISO 8601 time or an offset like +6y or -30d: {text!r}",
                       field="--clock") from None
    if instant.utcoffset() is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return ShiftedClock(instant - now)


def _years_later(at: dt.datetime, years: int) -> dt.datetime:
    """``at`` moved by calendar years; 29 February becomes 28 February in a common year."""
    try:
        return at.replace(year=at.year + years)
    except ValueError:
        return at.replace(year=at.year + years, day=28)
