"""TSA serial numbers from the PostgreSQL sequence ``tsa_serial``, shared by every node.

A state file (:class:`tsa.FileSerials`) keeps serials unique among the processes of one
machine; several machines sharing one registry need one counter, and PostgreSQL's
sequences are exactly that: ``nextval`` never returns a number twice, whoever calls it,
and costs one round trip per token (nothing next to signing).  A node that used the state
file before first moves the sequence past every serial that file reserved, so switching
never reuses one.
"""

from __future__ import annotations

import os
import threading

from sqlalchemy import Engine, text

from pdfsign.config import Settings
from pdfsign.registry.database import open_database
from tsa import FileSerials, SerialSource

__all__ = ["SequenceSerials", "tsa_serials_for"]


class SequenceSerials:
    """Serials from ``nextval('tsa_serial')`` (see the module)."""

    def __init__(self, engine: Engine, *, floor: int = 1) -> None:
        """:param floor: the first serial that may be handed out (a state file's high water)."""
        self.engine = engine
        with engine.begin() as connection:  # only ever forward: the next value < floor
            connection.execute(text(
                "SELECT setval('tsa_serial', :floor - 1) FROM tsa_serial WHERE "
                "(CASE WHEN is_called THEN last_value + 1 ELSE last_value END) < :floor"),
                {"floor": floor})

    def next_serial(self) -> int:
        """The sequence's next value."""
        with self.engine.begin() as connection:
            return int(connection.execute(text("SELECT nextval('tsa_serial')")).scalar_one())


#: One engine per database URL and process: signing services are made per issuer, per
#: verification, per web request that signs, and each engine keeps its own connections.
#: Keyed by process too, since a pooled connection must not cross a batch's fork.
_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()


def tsa_serials_for(settings: Settings) -> SerialSource | None:
    """The sequence when the registry is on PostgreSQL; ``None`` (the state file) otherwise."""
    if not settings.url.startswith("postgresql"):
        return None
    key = (os.getpid(), settings.url)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = open_database(settings.url).engine
    floor = FileSerials(settings.tsa_state_dir).high_water()
    return SequenceSerials(_engines[key], floor=floor)
