"""Who may see which file: decided from the bank/branch *currently* attached to the file.

A head-office user (branch ``000``) sees every branch of its bank, a branch user
only its own branch, both only within their association.  Recipients lose access
on the subrogation date, and never see purged files.  A file a user may not see
is reported as unknown, so that access checks do not reveal which file IDs exist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, true

from pdfsign.documents.ids import UserId
from pdfsign.registry.errors import UnknownFileError
from pdfsign.registry.models import File
from pdfsign.registry.records import FileInfo

__all__ = ["may_see", "require_visible", "visible_clause"]


def visible_clause(viewer: UserId, *, at: dt.datetime) -> ColumnElement[bool]:
    """An SQL condition selecting the files ``viewer`` may see at ``at``."""
    branch = true() if viewer.is_head_office else File.branch_code == viewer.branch
    return and_(
        File.association_code == viewer.association,
        File.bank_code == viewer.bank,
        branch,
        File.state != "purged",
        or_(File.access_until.is_(None), File.access_until > at),
    )


def may_see(viewer: UserId, file: FileInfo, *, at: dt.datetime) -> bool:
    """The same rule as :func:`visible_clause`, for one file already loaded."""
    return (
        file.association_code == viewer.association
        and file.bank_code == viewer.bank
        and (viewer.is_head_office or file.branch_code == viewer.branch)
        and file.state != "purged"
        and (file.access_until is None or file.access_until > at)
    )


def require_visible(viewer: UserId, file: FileInfo, *, at: dt.datetime) -> None:
    """:raises UnknownFileError: ``viewer`` may not see ``file`` (worded as if it did not exist)."""
    if not may_see(viewer, file, at=at):
        raise UnknownFileError(f"no file {file.file_id} in the registry", field="file_id")
