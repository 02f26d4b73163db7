"""The data-directory options every registry command shares, and the edge where time is read.

``--home`` (or ``PDFSIGN_HOME``) picks the data directory; the rest of the
settings come from ``<home>/config.toml`` and the environment
(:meth:`pdfsign.config.Settings.load`).  ``now()`` is the only clock the
registry commands read; everything below them takes the time as a parameter.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, overload

import click

from pdfsign.config import Settings
from pdfsign.documents.fields import Day
from pdfsign.errors import InputError
from pdfsign.registry import JST

__all__ = ["emit", "home_options", "now", "parse_day", "parse_instant"]

F = TypeVar("F", bound=Callable[..., Any])


def now() -> dt.datetime:
    """The current time, tz-aware UTC (module-level so batch workers can pickle it)."""
    return dt.datetime.now(dt.UTC)


def home_options(command: F) -> F:
    """Add ``--home`` and ``--json``; pass the loaded :class:`Settings` as ``settings``."""

    @click.option("--home", type=click.Path(file_okay=False, path_type=Path),
                  envvar="PDFSIGN_HOME", help="Data directory (default: PDFSIGN_HOME or "
                  "~/.local/share/pdfsign).")
    @click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
    @functools.wraps(command)
    def wrapper(*args: Any, home: Path | None, **kwargs: Any) -> Any:
        return command(*args, settings=Settings.load(home=home), **kwargs)

    return wrapper  # type: ignore[return-value]


def emit(as_json: bool, payload: object, human: str) -> None:
    """Print ``payload`` as JSON for scripts, else the short human line(s)."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(human)


@overload
def parse_day(value: str, *, field: str) -> dt.date: ...
@overload
def parse_day(value: str | None, *, field: str) -> dt.date | None: ...
def parse_day(value: str | None, *, field: str) -> dt.date | None:
    """An ISO date option (``2026-11-22``); ``None`` (option not given) stays ``None``.

    The domain's date rule (:class:`pdfsign.documents.fields.Day`), so the web UI's date
    fields say the same.

    :raises InputError: not a real date (exit 3, like bad data; ``--json`` reports it).
    """
    return None if value is None else Day().parse(value, field)


def parse_instant(value: str | None, *, field: str,
                  naive_zone: dt.tzinfo | None = JST) -> dt.datetime | None:
    """An ISO 8601 time option, as UTC.

    :param naive_zone: the zone of a time written without one (JST: what staff type);
        ``None`` refuses such a time.
    :raises InputError: not ISO 8601, or no zone where one is required.
    """
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"日時はISO 8601形式で指定してください / expected an ISO 8601 time, "
                         f"got {value!r}", field=field) from None
    if parsed.tzinfo is None:
        if naive_zone is None:
            raise InputError("タイムゾーンを指定してください / needs a time zone (Z or +09:00)",
                             field=field)
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(dt.UTC)
