"""Registry commands: get, history, reissue, invalidate, transfer, repaid, subrogate, banks.

Each parses its options, calls one function of :mod:`pdfsign.issuing` or
:mod:`pdfsign.registry`, and prints a short line (or ``--json``).
"""

from __future__ import annotations

from pathlib import Path

import click

from pdfsign import issuing
from pdfsign.atomic import write_atomically
from pdfsign.cli._home import emit, home_options, now, parse_day, parse_instant
from pdfsign.cli._signer import signer_options
from pdfsign.cli.issue import open_issuer
from pdfsign.config import Settings
from pdfsign.documents import load_data, parse_user_id
from pdfsign.registry import (
    INVALIDATION_REASONS,
    JST,
    AuditQuery,
    FileInfo,
    Registry,
    SearchQuery,
    audit_page,
    export_zip,
    files_csv,
    list_banks,
    matching,
    recipient_pdf,
    set_bank,
)
from pdfsign.registry import purge as run_purge
from pdfsign.registry import search as run_search

__all__ = ["audit", "audit_list", "bank", "get", "history", "invalidate", "purge", "reissue",
           "repaid", "search", "subrogate", "transfer"]


#: ``--if-version N``: act only if the file's current version is still N (what a form carries).
_if_version = click.option(
    "--if-version", "expected_version", type=click.IntRange(min=1),
    help="Act only if the current version is still N (else exit 5, changed meanwhile).")


def _file_line(info: FileInfo) -> str:
    return (f"{info.file_id}  {info.shown_kind}  {info.state}  bank {info.bank_code}-"
            f"{info.branch_code}  issue count {info.issue_count}  version {info.current_version}")


@click.command()
@click.argument("file_id")
@click.option("--version", "number", type=click.IntRange(min=1), help="Version (default: current).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the PDF.")
@click.option("--as-user", help="Act as this bank user ID (sees only current, permitted files).")
@home_options
def get(file_id: str, number: int | None, output: Path, as_user: str | None, settings: Settings,
        as_json: bool) -> None:
    """Write one version of FILE_ID (hash-checked) to a file."""
    registry = Registry.open(settings)
    if as_user is None:
        version, pdf = registry.pdf(file_id, number)
    else:
        version, pdf = recipient_pdf(registry, parse_user_id(as_user, field="--as-user"),
                                     file_id, number, at=now())
    write_atomically(output, pdf)
    emit(as_json, {**version.to_json(), "output": str(output)},
         f"wrote {file_id} version {version.number} ({version.size} bytes) to {output}")


@click.command()
@click.argument("file_id")
@home_options
def history(file_id: str, settings: Settings, as_json: bool) -> None:
    """List every version of FILE_ID, oldest first, with the renewals of each."""
    registry = Registry.open(settings)
    info, versions = registry.file(file_id), registry.history(file_id)
    renewals = registry.renewals(file_id)
    lines = [_file_line(info)]
    for v in versions:
        stamp = v.created_at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S JST")
        gone = f"  (deleted {v.purged_at:%Y-%m-%d})" if v.purged_at else ""
        lines.append(f"  v{v.number}  {stamp}  {v.reason:<22} count {v.issue_count}  "
                     f"{v.actor}  {v.sha256[:16]}…{gone}")
        lines.extend(f"      renewed {r.at.astimezone(JST):%Y-%m-%d %H:%M:%S JST}  {r.reason}  "
                     f"{r.actor}  {r.old_sha256[:16]}… → {r.new_sha256[:16]}…"
                     for r in renewals if r.version == v.number)
    emit(as_json, {"file": info.to_json(), "versions": [v.to_json() for v in versions],
                   "renewals": [r.to_json() for r in renewals]}, "\n".join(lines))


@click.command()
@click.argument("data", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--file-id", help="File to overwrite (default: the ID DATA maps to; give it "
              "after a transfer).")
@_if_version
@signer_options
@home_options
def reissue(data: Path, file_id: str | None, expected_version: int | None, signer: str | None,
            pin_file: Path | None, settings: Settings, as_json: bool) -> None:
    """Re-issue a file from corrected DATA: same file ID, issue count + 1, new time-stamp."""
    _, issuer = open_issuer(settings, signer=signer, pin_file=pin_file)
    version = issuing.reissue(issuer, load_data(data), at=now(), file_id=file_id,
                              expected_version=expected_version)
    emit(as_json, version.to_json(), f"re-issued {version.file_id} as version {version.number} "
         f"(issue count {version.issue_count})")


@click.command()
@click.argument("file_id")
@click.option("--reason", type=click.Choice(INVALIDATION_REASONS), required=True,
              help="cancelled: loan not executed; paper-reissue: re-issued on paper.")
@_if_version
@signer_options
@home_options
def invalidate(file_id: str, reason: str, expected_version: int | None, signer: str | None,
               pin_file: Path | None, settings: Settings, as_json: bool) -> None:
    """Overwrite FILE_ID with an ES-T invalidation notice (the certificate stays in history)."""
    _, issuer = open_issuer(settings, signer=signer, pin_file=pin_file)
    version = issuing.invalidate(issuer, file_id, reason=reason, at=now(),
                                 expected_version=expected_version)
    emit(as_json, version.to_json(), f"invalidated {file_id}: version {version.number} is the "
         f"invalidation notice (invalidates sha256 {version.meta['invalidates_sha256'][:16]}…)")


@click.command()
@click.argument("file_id")
@click.option("--bank", "bank_code", required=True, help="New bank code (4 digits).")
@click.option("--branch", "branch_code", required=True, help="New branch code (3 digits).")
@_if_version
@home_options
def transfer(file_id: str, bank_code: str, branch_code: str, expected_version: int | None,
             settings: Settings, as_json: bool) -> None:
    """Move FILE_ID's access to another bank/branch (the file ID does not change)."""
    info = issuing.transfer(Registry.open(settings), file_id, bank_code=bank_code,
                            branch_code=branch_code, actor=settings.actor, at=now(),
                            expected_version=expected_version)
    emit(as_json, info.to_json(), f"transferred {file_id} to {info.bank_code}-{info.branch_code}")


@click.command()
@click.argument("file_id")
@click.option("--on", "day", required=True, help="Repayment date (YYYY-MM-DD).")
@_if_version
@home_options
def repaid(file_id: str, day: str, expected_version: int | None, settings: Settings,
           as_json: bool) -> None:
    """Record full repayment; the file is deleted about two years later."""
    on = parse_day(day, field="--on")
    info = issuing.mark_repaid(Registry.open(settings), file_id, on=on, actor=settings.actor,
                               at=now(), expected_version=expected_version)
    due = info.delete_due.astimezone(JST).date() if info.delete_due else None
    emit(as_json, info.to_json(), f"{file_id} repaid on {on}; deletion due {due}")


@click.command()
@click.argument("file_id")
@click.option("--on", "day", required=True, help="Subrogation payment date (YYYY-MM-DD).")
@_if_version
@home_options
def subrogate(file_id: str, day: str, expected_version: int | None, settings: Settings,
              as_json: bool) -> None:
    """Record subrogation; the bank loses access from the payment date."""
    on = parse_day(day, field="--on")
    info = issuing.subrogate(Registry.open(settings), file_id, on=on, actor=settings.actor,
                             at=now(), expected_version=expected_version)
    emit(as_json, info.to_json(), f"{file_id} subrogated; bank access ends {on} 00:00 JST")


@click.group()
def bank() -> None:
    """Banks with an electronic-issuing agreement."""


@bank.command("set")
@click.argument("code")
@click.option("--name", required=True, help="The bank's name.")
@click.option("--start", required=True, help="First day of the agreement (YYYY-MM-DD).")
@click.option("--end", help="Last day of the agreement (YYYY-MM-DD; default open-ended).")
@click.option("--mode", type=click.Choice(["storage", "distribution"]),
              help="Upload e-mails without a link (storage) or with an expiring direct link "
                   "(distribution); default: unchanged, storage for a new bank.")
@home_options
def bank_set(code: str, name: str, start: str, end: str | None, mode: str | None,
             settings: Settings, as_json: bool) -> None:
    """Add bank CODE or change its name, agreement window and delivery mode."""
    info = set_bank(Registry.open(settings), code=code, name=name,
                    start=parse_day(start, field="--start"),
                    end=parse_day(end, field="--end"), mode=mode, actor=settings.actor, at=now())
    emit(as_json, info.__dict__, f"bank {info.code} {info.name}: {info.agreement_start} – "
         f"{info.agreement_end or 'open'} ({info.mode})")


@bank.command("list")
@home_options
def bank_list(settings: Settings, as_json: bool) -> None:
    """List the banks and their agreement windows."""
    banks = list_banks(Registry.open(settings))
    emit(as_json, [b.__dict__ for b in banks],
         "\n".join(f"{b.code}  {b.name}  {b.agreement_start} – {b.agreement_end or 'open'}"
                   for b in banks) or "no banks")



@click.command()
@click.option("--uploaded-from", help="Upload date from (YYYY-MM-DD, JST, inclusive).")
@click.option("--uploaded-to", help="Upload date to (inclusive).")
@click.option("--date-from", help="Guarantee / change decision date from.")
@click.option("--date-to", help="Guarantee / change decision date to.")
@click.option("--customer", help="Customer number (exact).")
@click.option("--guarantee", help="Guarantee number (exact).")
@click.option("--change", help="Condition-change number (exact).")
@click.option("--name", help="Customer name (partial).")
@click.option("--kind", "kinds", type=click.IntRange(1, 4), multiple=True,
              help="1 guarantee, 2 condition change, 3 invalidation, 4 test slip (repeatable).")
@click.option("--bank", help="Bank code (exact).")
@click.option("--branch", help="Branch code (exact).")
@click.option("--file-id", help="File ID prefix.")
@click.option("--sort", multiple=True, help="Sort column, '-' for descending (repeatable).")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--as-user", help="Search as this bank user ID (only what it may see).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every match's current PDF (up to 2,000) into this ZIP.")
@home_options
def search(uploaded_from: str | None, uploaded_to: str | None, date_from: str | None,
           date_to: str | None, customer: str | None, guarantee: str | None,
           change: str | None, name: str | None, kinds: tuple[int, ...], bank: str | None,
           branch: str | None, file_id: str | None, sort: tuple[str, ...], page: int,
           as_user: str | None, as_csv: bool, zip_path: Path | None, settings: Settings,
           as_json: bool) -> None:
    """Search the registry (100 a page, at most 2,000 results)."""
    query = SearchQuery(
        uploaded_from=parse_day(uploaded_from, field="--uploaded-from"),
        uploaded_to=parse_day(uploaded_to, field="--uploaded-to"),
        guarantee_from=parse_day(date_from, field="--date-from"),
        guarantee_to=parse_day(date_to, field="--date-to"), customer_number=customer,
        guarantee_number=guarantee, change_number=change, customer_name=name, kinds=kinds,
        bank_code=bank, branch_code=branch, file_id_prefix=file_id, sort=sort, page=page)
    viewer = parse_user_id(as_user, field="--as-user") if as_user else None
    registry, at = Registry.open(settings), now()
    result = run_search(registry, query, viewer=viewer, at=at)
    if zip_path is not None:
        write_atomically(zip_path, export_zip(
            registry, matching(registry, query, viewer=viewer, at=at)))
    if result.message:
        click.echo(result.message, err=True)
    if as_csv:
        _print_csv(result.rows)
        return
    shown = result.shown
    emit(as_json, {"total": shown, "capped": result.capped, "message": result.message,
                   "page": result.page, "pages": result.pages,
                   "rows": [r.to_json() for r in result.rows]},
         "\n".join([*(_file_line(r) for r in result.rows),
                    f"{shown}{'+' if result.capped else ''} found; page {result.page} of "
                    f"{result.pages}"]))


def _print_csv(rows: tuple[FileInfo, ...]) -> None:
    """The result page as CSV on stdout."""
    click.echo(files_csv(rows), nl=False)


@click.command()
@click.option("--dry-run", is_flag=True, help="List what is due; delete nothing.")
@click.option("--at", "at_text", help="Judge retention at this time (ISO 8601; default now).")
@home_options
def purge(dry_run: bool, at_text: str | None, settings: Settings, as_json: bool) -> None:
    """Delete the stored PDFs whose retention has ended (and log each deletion)."""
    at = parse_instant(at_text, field="--at") or now()
    report = run_purge(Registry.open(settings), at=at, actor=settings.actor, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    emit(as_json, {"at": at.isoformat(), "dry_run": dry_run,
                   "items": [item.__dict__ for item in report.items]},
         "\n".join([*(f"{verb} {i.file_id} v{i.version} ({i.rule}, due {i.due:%Y-%m-%d})"
                      for i in report.items),
                    f"{verb} {len(report.items)} version(s) of {report.files} file(s)"]))


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
@home_options
def audit_verify(settings: Settings, as_json: bool) -> None:
    """Check every audit entry and link; exit 1 if the log was altered."""
    report = Registry.open(settings).verify_audit()
    emit(as_json, {"ok": report.ok, "entries": report.entries, "head": report.head_hash,
                   "problems": list(report.problems)},
         "\n".join([*report.problems, f"audit log {'intact' if report.ok else 'ALTERED'}: "
                    f"{report.entries} entries, head {report.head_hash[:16]}…"]))
    if not report.ok:
        raise SystemExit(1)


@audit.command("list")
@click.option("--actor", help="Only this actor (exact).")
@click.option("--action", help="Only this action (exact, e.g. signin-failed, reissue).")
@click.option("--file-id", help="Only files whose ID starts with this.")
@click.option("--from", "since", help="From this day (YYYY-MM-DD, JST, inclusive).")
@click.option("--to", "until", help="To this day (inclusive).")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@home_options
def audit_list(actor: str | None, action: str | None, file_id: str | None, since: str | None,
               until: str | None, page: int, settings: Settings, as_json: bool) -> None:
    """List audit entries, newest first, a page at a time."""
    query = AuditQuery(actor=actor, action=action, file_id=file_id,
                       since=parse_day(since, field="--from"),
                       until=parse_day(until, field="--to"), page=page)
    found = audit_page(Registry.open(settings), query)
    lines = [f"{e.seq:>6}  {e.at.astimezone(JST):%Y-%m-%d %H:%M:%S}  {e.actor:<16} "
             f"{e.action:<20} {e.file_id or ''}" for e in found.entries]
    emit(as_json, {"total": found.total, "page": found.page, "pages": found.pages,
                   "entries": [e.to_json() for e in found.entries]},
         "\n".join([*lines, f"page {found.page}/{found.pages}, {found.total} entries"]))
