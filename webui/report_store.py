"""Verification runs kept for an hour, so the report's download links work after the page.

A run is written under ``<home>/web-reports/`` as a pickle named by a random 256-bit token
and readable only by the user who uploaded the files.  Pickle is safe here because only
this server writes these files, into its own home; a token never names a path (it is
checked to be URL-safe base64 first).  Old runs are deleted whenever a new one is kept.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pdfsign.atomic import write_atomically
from pdfsign.errors import NotFoundError
from verify import VerificationRun

__all__ = ["KEEP_FOR", "KeptRun", "ReportStore"]

KEEP_FOR = dt.timedelta(hours=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class KeptRun:
    """A run and who may download it."""

    owner: str
    kept_at: dt.datetime
    run: VerificationRun


class ReportStore:
    """The folder of kept runs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keep(self, run: VerificationRun, *, owner: str, at: dt.datetime) -> str:
        """Keep ``run`` for ``owner``; return its token."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_old(at)
        token = secrets.token_urlsafe(32)
        write_atomically(self.folder / f"{token}.pickle",
                         pickle.dumps(KeptRun(owner, at, run), protocol=pickle.HIGHEST_PROTOCOL))
        return token

    def load(self, token: str, *, owner: str, at: dt.datetime) -> VerificationRun:
        """The run ``token`` names, if ``owner`` kept it less than :data:`KEEP_FOR` ago.

        :raises NotFoundError: unknown, expired or someone else's (all worded alike).
        """
        path = self.folder / f"{token}.pickle"
        if _TOKEN.fullmatch(token) and path.is_file():
            kept: KeptRun = pickle.loads(path.read_bytes())
            if kept.owner == owner and at - kept.kept_at < KEEP_FOR:
                return kept.run
        raise NotFoundError("この検証結果は見つからないか、保存期間（1時間）を過ぎました / no "
                            "such verification, or it is older than an hour: verify again",
                            field="report")

    def _forget_old(self, at: dt.datetime) -> None:
        cutoff = (at - KEEP_FOR).timestamp()
        for path in self.folder.glob("*.pickle"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:  # another request removed it first
                pass
