"""The person's report: per file the verdict, every signature and timestamp, and the matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import partial

from verify.messages import Lang, message
from verify.report import (
    CertSummary,
    DocumentReport,
    RevocationSummary,
    SignatureFinding,
    TimestampFinding,
    VerificationRun,
)

__all__ = ["format_time", "render_text"]

_JST = timezone(timedelta(hours=9), "JST")


def format_time(value: datetime | None, *, lang: Lang) -> str:
    """JST for Japanese readers, UTC for English ones; ``-`` for no time."""
    if value is None:
        return "-"
    if lang == "ja":
        return value.astimezone(_JST).strftime("%Y年%m月%d日 %H:%M:%S JST")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _chain_lines(chain: tuple[CertSummary, ...], *, lang: Lang) -> list[str]:
    return [f"      {'  ' * i}└ {c.subject} ({format_time(c.not_before, lang=lang)} – "
            f"{format_time(c.not_after, lang=lang)})" for i, c in enumerate(chain)]


def _revocation(r: RevocationSummary, *, lang: Lang) -> str:
    sources = ", ".join(message(f"source.{s}", lang=lang) for s in r.sources) \
        or message("none", lang=lang)
    return f"{message(f'revocation.{r.status}', lang=lang)} [{sources}]"


def _signature(s: SignatureFinding, *, lang: Lang) -> list[str]:
    m = partial(message, lang=lang)
    lines = [
        f"  [{s.id}] {m('signature')} {s.field}: {m('verdict.' + s.verdict.value)}",
        f"    {m('signer')}: {s.signer}",
        f"    {m('indication')}: {s.indication}"
        + (f" / {s.subindication}" if s.subindication else ""),
        f"    {m('integrity')}: {m('intact' if s.intact else 'broken')}; {m('coverage')}: "
        f"{s.coverage}; {m('byte-range')} {list(s.byte_range)}",
        f"    {m('level')}: {s.level.value if s.level else '-'}; "
        f"{m('best-signature-time')}: {format_time(s.best_signature_time, lang=lang)}",
        f"    {m('revocation')}: {_revocation(s.revocation, lang=lang)}",
        f"    {m('changes')}: {m('change.' + s.changes.kind)} ({m('revisions')} "
        f"{s.changes.signed_revision} → {s.changes.last_revision})",
    ]
    if s.certified:
        lines.append(f"    {m('certified')}")
    if s.reason:
        lines.append(f"    {m('reason')}: {s.reason}")
    return [*lines, f"    {m('chain')}:", *_chain_lines(s.chain, lang=lang)]


def _timestamp(t: TimestampFinding, *, lang: Lang) -> list[str]:
    m = partial(message, lang=lang)
    lines = [
        f"  [{t.id}] {m(t.kind)}: {format_time(t.time, lang=lang)} — "
        f"{t.indication}" + (f" / {t.subindication}" if t.subindication else ""),
        f"    {m('tsa')}: {t.tsa}; {m('integrity')}: {m('intact' if t.intact else 'broken')}; "
        f"{m('revocation')}: {_revocation(t.revocation, lang=lang)}",
    ]
    if t.reason:
        lines.append(f"    {m('reason')}: {t.reason}")
    return lines


def _matrix(d: DocumentReport, *, lang: Lang) -> list[str]:
    if not d.reference_times:
        return []
    rows = [(s.id, s.validity) for s in d.signatures] + [(t.id, t.validity) for t in d.timestamps]
    width = max(len(r.id) for r in d.reference_times) + 2
    lines = [f"  {message('matrix', lang=lang)}:"]
    lines += [f"    {r.id:<{width}} {message('ref.' + r.kind, lang=lang)}: "
              f"{format_time(r.time, lang=lang)}" for r in d.reference_times]
    header = "    " + " " * 10 + "".join(f"{r.id:<{width + 12}}" for r in d.reference_times)
    lines.append(header.rstrip())
    for row_id, validity in rows:
        cells = "".join(
            f"{message('cell.' + validity[r.id].value, lang=lang):<{width + 12}}"
            if r.id in validity else " " * (width + 12) for r in d.reference_times)
        lines.append(f"    {row_id:<10}{cells}".rstrip())
    return lines


def _document(d: DocumentReport, *, lang: Lang) -> list[str]:
    m = partial(message, lang=lang)
    required = ""
    if d.required is not None:
        required = f"; {m('required')}: {d.required.value} " \
                   f"({m('met' if d.requirement_met else 'not-met')})"
    lines = [
        f"{m('file')}: {d.path}",
        f"  {m('verdict')}: {m('verdict.' + d.verdict.value)} [{d.verdict.value}]",
        f"  {m('level')}: {d.level.value if d.level else '-'}{required}",
        f"  {m('indication')}: {d.indication}"
        + (f" / {d.subindication}" if d.subindication else ""),
    ]
    if d.reason:
        lines.append(f"  {m('reason')}: {d.reason}")
    if d.signatures:
        best = format_time(d.best_signature_time, lang=lang)
        lines.append(f"  {m('best-signature-time')}: {best}")
        lines.append(f"  {m('renewal-due')}: {format_time(d.renewal_due, lang=lang)}")
    for s in d.signatures:
        lines += _signature(s, lang=lang)
    for t in d.timestamps:
        lines += _timestamp(t, lang=lang)
    return lines + _matrix(d, lang=lang)


def render_text(run: VerificationRun, *, lang: Lang = "ja") -> str:
    """The report for people, Japanese by default; files in input order, then a summary."""
    lines = [f"{message('title', lang=lang)} — {format_time(run.validated_at, lang=lang)}", ""]
    for d in run.documents:
        lines += [*_document(d, lang=lang), ""]
    valid = sum(1 for d in run.documents if d.ok)
    lines.append(f"{message('summary', lang=lang)}: {valid}/{len(run.documents)} "
                 f"{message('files-valid', lang=lang)}")
    return "\n".join(lines) + "\n"
