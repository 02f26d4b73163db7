"""Verification runs kept for an hour, so the report's download links work after the page.

A run is kept in the registry database (:mod:`pdfsign.registry.kept`) under a random 256-bit
token, readable only by the user who uploaded the files, so the download may reach any web
node.  It is pickled, the one encoding that gives back the report exactly as verified (its
dataclasses, enums and times), and read back with an unpickler that builds nothing but
the report's own classes and the datetime types they hold (the Python documentation's
"restricting globals"): a row written by anyone else than this code can at worst fail to
load, never run code.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
from typing import Any

import verify.report
from pdfsign.errors import NotFoundError
from pdfsign.registry import Registry, kept
from verify import VerificationRun

__all__ = ["KEEP_FOR", "ReportStore", "UnexpectedObjectError", "load_run"]

KEEP_FOR = dt.timedelta(hours=1)
#: What a pickled run may name besides the classes of :mod:`verify.report`.
_ALLOWED = {("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}


class UnexpectedObjectError(pickle.UnpicklingError):
    """A kept run names something other than the report's classes."""


class _RunUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module == "verify.report" and name in verify.report.__all__) \
                or (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise UnexpectedObjectError(f"a kept verification run may not name {module}.{name}")


def load_run(data: bytes) -> VerificationRun:
    """A pickled run, built from the report's classes only.

    :raises UnexpectedObjectError: it names any other class or function.
    """
    run = _RunUnpickler(io.BytesIO(data)).load()
    if not isinstance(run, VerificationRun):
        raise UnexpectedObjectError("a kept verification run is not a VerificationRun")
    return run


class ReportStore:
    """The kept runs, in the registry database."""

    KIND = "verification-run"

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def keep(self, run: VerificationRun, *, owner: str, at: dt.datetime) -> str:
        """Keep ``run`` for ``owner``; return its token."""
        token = kept.new_token()
        kept.keep(self.registry, kind=self.KIND, token=token, owner=owner,
                  data=pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL), at=at,
                  keep_for=KEEP_FOR)
        return token

    def load(self, token: str, *, owner: str, at: dt.datetime) -> VerificationRun:
        """The run ``token`` names, if ``owner`` kept it less than :data:`KEEP_FOR` ago.

        :raises NotFoundError: unknown, expired or someone else's (all worded alike).
        """
        return load_run(kept.kept(
            self.registry, kind=self.KIND, token=token, owner=owner, at=at, keep_for=KEEP_FOR,
            missing=NotFoundError("この検証結果は見つからないか、保存期間（1時間）を過ぎました / "
                                  "no such verification, or it is older than an hour: verify "
                                  "again", field="report")))
