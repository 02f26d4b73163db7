"""Who may see which file: decided from the bank/branch *currently* attached to the file.

A head-office user (branch ``000``) sees every branch of its bank, a branch user
only its own branch, both only within their association.  Recipients lose access
on the subrogation date, and never see purged files.  A file a user may not see
is reported as unknown, so that access checks do not reveal which file IDs exist.
Recipients receive only the current version; history is for staff and auditors.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, true

from pdfsign.documents.ids import UserId
from pdfsign.errors import PermissionDenied
from pdfsign.registry.errors import UnknownFileError
from pdfsign.registry.models import File
from pdfsign.registry.records import FileInfo, VersionInfo
from pdfsign.registry.store import Registry

__all__ = ["may_see", "recipient_pdf", "require_visible", "visible_clause"]


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


def recipient_pdf(registry: Registry, viewer: UserId, file_id: str, number: int | None = None,
                  *, at: dt.datetime) -> tuple[VersionInfo, bytes]:
    """The current version of a file, as a bank user downloads it (CLI and web UI alike).

    :param number: a version the user asked for; only the current one is handed out.
    :param at: the clock access is judged by (subrogation dates).
    :raises UnknownFileError: ``viewer`` may not see the file (or it does not exist).
    :raises PermissionDenied: ``number`` is an earlier version (overwritten versions stay
        with the association).
    """
    info = registry.file(file_id)
    require_visible(viewer, info, at=at)
    if number is not None and number != info.current_version:
        raise PermissionDenied(f"bank users receive only the current version "
                               f"({info.current_version}) of {file_id}, not {number}",
                               field="version")
    return registry.pdf(file_id, info.current_version)
