"""Renewal: a new archive time-stamp on an ES-A before its newest one stops proving it.

One core, :func:`renew_pdf`, adds the validation data of the newest document time-stamp's
chain and a new document time-stamp (:func:`pdfsign.signing.archival.async_renew`); the
loose-file command and the registry both call it.  For the registry, :func:`plan` picks
the files that are due (:mod:`pdfsign.archive_chain`) and :func:`renew_planned` renews
them one by one, each in its own registry transaction, so a batch that stops half-way
leaves every file either renewed or as it was, and running it again renews only the rest.
Each renewal's ``renewed`` webhook event is written in its transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from pdfsign.archive_chain import ArchiveState, archive_state, due_reasons, token_state
from pdfsign.errors import ConflictError, PdfsignError, SigningError, TimestampError, describe
from pdfsign.notify.webhooks import enqueue_event
from pdfsign.registry import Registry, VersionInfo
from pdfsign.signing import SigningServices
from pdfsign.signing.archival import ARCHIVE_DIGEST, async_renew

__all__ = ["REQUESTED", "Outcome", "PlanItem", "check_renewal_helps", "plan", "renew_pdf",
           "renew_planned", "run_renewal"]

#: The reason recorded for a file renewed because it was named, not because it was due.
REQUESTED = "requested"


def renew_pdf(pdf: bytes, *, services: SigningServices) -> bytes:
    """Extend the archive time-stamp chain of an ES-A (an incremental update).

    :raises InputError: not a PDF, or no document time-stamp (not an ES-A).
    :raises SigningError: the newest time-stamp's TSA chain no longer validates (revoked,
        or expired: renewal came too late and the file can no longer be extended).
    :raises TimestampError: no fresh revocation data, or the TSA refused or is unreachable.
    """
    try:
        return asyncio.run(async_renew(pdf, timestamper=services.timestamper,
                                       factory=services.validation_context))
    except TimestampRequestError as exc:
        raise TimestampError(f"the TSA refused the renewal time-stamp: {exc}",
                             field="tsa") from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise SigningError(f"the newest archive time-stamp's TSA chain does not validate, so "
                           f"it cannot be extended: {exc}", field="pdf") from exc
    except (OSError, ValueError) as exc:
        raise TimestampError(f"cannot reach the TSA or a revocation service, or unreadable "
                             f"answer: {exc}", field="tsa") from exc


def check_renewal_helps(services: SigningServices, *, at: datetime, within: timedelta | None,
                        weak: frozenset[str]) -> ArchiveState:
    """Refuse to renew with a TSA whose own token would be due by the same rule.

    A new time-stamp from a TSA whose chain ends within the window (or that signs with a weak
    algorithm) proves nothing for longer: the file would be due again at once and every run
    would renew it again.  The TSA needs a successor first (``pdfsign pki rollover-tsa``).

    :return: what a token of the active TSA looks like (its sample token).
    :raises ConflictError: naming the active TSA's end or its weak algorithm.
    """
    sample = asyncio.run(services.timestamper.async_dummy_response(ARCHIVE_DIGEST))
    state = token_state(sample["content"])
    reasons = due_reasons(state, at=at, within=within, weak=weak)
    if reasons:
        raise ConflictError(
            f"renewing would not help: the active TSA's own time-stamps are due too "
            f"({', '.join(reasons)}); give the TSA a successor first (pdfsign pki "
            f"rollover-tsa) or use another TSA", field="tsa")
    return state


@dataclass(frozen=True)
class PlanItem:
    """One registry file as the planner sees it."""

    version: VersionInfo
    archive: ArchiveState
    #: Why it is due (``tsa-expiry:<date>``, ``weak-algorithm:<name>``, ``requested``).
    reasons: tuple[str, ...]

    @property
    def due(self) -> bool:
        """Whether a renewal would run: an ES-A with a reason."""
        return self.archive.es_a and bool(self.reasons)



def plan(registry: Registry, *, at: datetime, within: timedelta | None,
         weak: frozenset[str], file_ids: Sequence[str] | None = None) -> tuple[PlanItem, ...]:
    """The files to renew at ``at``: every kept file's current version, or ``file_ids``.

    Listed files are due when their newest archive time-stamp's TSA chain ends within
    ``within`` of ``at`` or it uses a ``weak`` algorithm; named files are due anyway
    (``requested``) if they are ES-A.  A renewed file's new time-stamp comes from the
    active TSA, so it is no longer due: the plan is idempotent.

    :raises UnknownFileError: a named file is not in the registry.
    """
    items = []
    for version in registry.current_versions(file_ids):
        _, pdf = registry.pdf(version.file_id, version.number)
        state = archive_state(pdf)
        reasons = due_reasons(state, at=at, within=within, weak=weak)
        if file_ids is not None and not reasons:
            reasons = (REQUESTED,)
        items.append(PlanItem(version, state, reasons))
    return tuple(items)


class _Changed(ConflictError):
    """The file's current bytes are not the planned ones (renewed or re-issued meanwhile)."""


@dataclass(frozen=True)
class Outcome:
    """What a renewal run did with one file."""

    file_id: str
    version: int
    #: ``renewed``, ``planned`` (dry run), ``not-due``, ``skipped`` or ``failed``.
    status: str
    reasons: tuple[str, ...]
    renew_before: datetime | None
    old_sha256: str
    new_sha256: str | None = None
    #: Why skipped (``not-es-a``: no document time-stamp; ``changed: …``: renewed or
    #: re-issued by someone else since planned) or the failure's message.
    detail: str | None = None
    #: The error's exit code, for a failed file.
    exit_code: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"file_id": self.file_id, "version": self.version, "status": self.status,
                "reasons": list(self.reasons), "old_sha256": self.old_sha256,
                "new_sha256": self.new_sha256, "detail": self.detail,
                "renew_before": self.renew_before.isoformat() if self.renew_before else None}


def run_renewal(registry: Registry, *, at: datetime, within: timedelta | None,
                weak: frozenset[str], file_ids: Sequence[str] | None = None,
                services: SigningServices | None, actor: str,
                progress: Callable[[int], Callable[[], None]] | None = None
                ) -> tuple[Outcome, ...]:
    """Plan (:func:`plan`), check the TSA (:func:`check_renewal_helps`), renew
    (:func:`renew_planned`): what ``pdfsign renew`` on the registry does.

    :param services: ``None`` for a dry run.
    :param progress: given the number of files, returns the per-file callback.
    """
    items = plan(registry, at=at, within=within, weak=weak, file_ids=file_ids)
    active = None
    if services is not None and any(item.due for item in items):
        active = check_renewal_helps(services, at=at, within=within, weak=weak)
    advance = progress(len(items)) if progress else (lambda: None)
    return renew_planned(registry, items, services=services, actor=actor, at=at,
                         progress=advance, active=active)


def renew_planned(registry: Registry, items: Sequence[PlanItem], *,
                  services: SigningServices | None, actor: str, at: datetime,
                  progress: Callable[[], None] = lambda: None,
                  active: ArchiveState | None = None) -> tuple[Outcome, ...]:
    """Renew the due items, each in its own transaction; one failure does not stop the rest.

    :param services: the TSA and revocation sources; ``None`` is a dry run: report what
        would be renewed (``planned``), change nothing.
    :param progress: called after each item (the CLI's progress display).
    :param active: the active TSA's token as :func:`check_renewal_helps` saw it: every
        renewed file's newest time-stamp is that TSA's, so its "renew before" is that one's
        (no need to parse each renewed file once more).
    """
    until = active.renew_before if active is not None else None
    outcomes = []
    for item in items:
        outcomes.append(_outcome(registry, item, services=services, actor=actor, at=at,
                                 renewed_until=until))
        progress()
    return tuple(outcomes)


def _outcome(registry: Registry, item: PlanItem, *, services: SigningServices | None,
             actor: str, at: datetime, renewed_until: datetime | None) -> Outcome:
    """Renew one item (or say why not) in its own registry transaction."""
    v = item.version
    base = Outcome(v.file_id, v.number, "not-due", item.reasons, item.archive.renew_before,
                   v.sha256)
    if not item.archive.es_a:
        return replace(base, status="skipped", detail="not-es-a")
    if not item.due:
        return base
    if services is None:
        return replace(base, status="planned", detail=None)

    def produce(current: VersionInfo, pdf: bytes) -> bytes:
        if current.sha256 != v.sha256 or current.number != v.number:
            raise _Changed(f"{v.file_id} changed since it was planned", field="file_id")
        return renew_pdf(pdf, services=services)

    try:
        done = registry.renew(v.file_id, produce, reason=";".join(item.reasons), actor=actor,
                              at=at, on_change=enqueue_event)
    except _Changed as exc:
        return replace(base, status="skipped", detail=f"changed: {exc.message}")
    except PdfsignError as exc:
        problem = describe(exc)
        return replace(base, status="failed", detail=str(exc),
                        exit_code=problem.exit_code if problem else None)
    return replace(base, status="renewed", new_sha256=done.new_sha256, detail=None,
                   renew_before=renewed_until)
