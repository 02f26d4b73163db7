"""TSA serials and CRL numbers from PostgreSQL sequences, shared by every node.

A state file (:class:`tsa.FileSerials`) keeps serials unique among the processes of one
machine; several machines sharing one registry need one counter, and PostgreSQL's
sequences are exactly that: ``nextval`` never returns a number twice, whoever calls it,
and costs one round trip per token or CRL (nothing next to signing).  ``tsa_serial``
(migration 0010) numbers the embedded TSA's tokens; ``crl_number`` (0013) numbers the CRLs
of both embedded CAs, so each CA's numbers strictly increase (RFC 5280 §5.2.3) whichever
node signs.  A node that used the state files before first moves the sequence past every
number those files reserved, so switching never reuses one.
"""

from __future__ import annotations

import os
import threading
from typing import Literal

from sqlalchemy import Engine, text

from pdfsign.config import Settings
from pdfsign.registry.database import open_database
from tsa import CRL_NAMES, FileSerials, SerialSource

__all__ = ["SequenceSerials", "crl_numbers_for", "tsa_serials_for"]

#: The sequences the migrations create; the name goes into SQL, so only these are allowed.
Sequence = Literal["tsa_serial", "crl_number"]


class SequenceSerials:
    """Numbers from ``nextval`` of one of the registry's sequences (see the module)."""

    def __init__(self, engine: Engine, *, sequence: Sequence = "tsa_serial",
                 floor: int = 1) -> None:
        """:param sequence: ``tsa_serial`` or ``crl_number``.
        :param floor: the first number that may be handed out (a state file's high water).
        """
        if sequence not in ("tsa_serial", "crl_number"):
            raise ValueError(f"not a registry sequence: {sequence!r}")
        self.engine = engine
        self.sequence = sequence
        with engine.begin() as connection:  # only ever forward: the next value < floor
            connection.execute(text(
                f"SELECT setval('{sequence}', :floor - 1) FROM {sequence} WHERE "
                "(CASE WHEN is_called THEN last_value + 1 ELSE last_value END) < :floor"),
                {"floor": floor})

    def next_serial(self) -> int:
        """The sequence's next value."""
        with self.engine.begin() as connection:
            return int(connection.execute(
                text(f"SELECT nextval('{self.sequence}')")).scalar_one())


#: One engine per database URL and process: signing services are made per issuer, per
#: verification, per web request that signs, and each engine keeps its own connections.
#: Keyed by process too, since a pooled connection must not cross a batch's fork.
_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()


def _shared_engine(settings: Settings) -> Engine | None:
    """This process's engine for the registry when it is on PostgreSQL; ``None`` on SQLite."""
    if not settings.url.startswith("postgresql"):
        return None
    key = (os.getpid(), settings.url)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = open_database(settings.url).engine
        return _engines[key]


def tsa_serials_for(settings: Settings) -> SerialSource | None:
    """The sequence when the registry is on PostgreSQL; ``None`` (the state file) otherwise."""
    engine = _shared_engine(settings)
    if engine is None:
        return None
    floor = FileSerials(settings.tsa_state_dir).high_water()
    return SequenceSerials(engine, floor=floor)


def crl_numbers_for(settings: Settings) -> SerialSource | None:
    """The CRL sequence when the registry is on PostgreSQL, started past both CAs' state
    files (``crl-root``, ``crl-ca``); ``None`` (the state files) otherwise."""
    engine = _shared_engine(settings)
    if engine is None:
        return None
    floor = max(FileSerials(settings.tsa_state_dir, name=f"crl-{name}").high_water()
                for name in CRL_NAMES)
    return SequenceSerials(engine, sequence="crl_number", floor=floor)
