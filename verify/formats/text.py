"""The person's report: per file the verdict, every signature and timestamp, and the matrix."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from verify.formats.view import (
    Matrix,
    build_matrix,
    format_time,
    revocation_text,
    unreachable_text,
)
from verify.messages import Lang, message
from verify.report import (
    CertSummary,
    DocumentReport,
    SignatureFinding,
    TimestampFinding,
    VerificationRun,
)

__all__ = ["display_width", "render_text", "render_text_document", "render_text_header",
           "render_text_summary"]


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide and full-width East Asian characters count two.

    Padding with ``len()`` would shift every column after a Japanese cell; ambiguous-width
    characters (``—``) count one, as most terminals and ``wcwidth`` do.
    """
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns."""
    return text + " " * max(width - display_width(text), 0)


def _chain_lines(chain: tuple[CertSummary, ...], *, lang: Lang) -> list[str]:
    return [f"      {'  ' * i}└ {c.subject} ({format_time(c.not_before, lang=lang)} – "
            f"{format_time(c.not_after, lang=lang)})" for i, c in enumerate(chain)]


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
        f"    {m('revocation')}: {revocation_text(s.revocation, lang=lang)}",
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
        f"{m('revocation')}: {revocation_text(t.revocation, lang=lang)}",
    ]
    if t.reason:
        lines.append(f"    {m('reason')}: {t.reason}")
    return lines


def _matrix_lines(matrix: Matrix, *, lang: Lang) -> list[str]:
    """The legend (one line per reference time), then the grid padded by display width."""
    id_width = max(display_width(c.id) for c in matrix.columns) + 2
    lines = [f"  {message('matrix', lang=lang)}:"]
    lines += [f"    {_pad(c.id, id_width)} {c.kind}: {c.time}" for c in matrix.columns]
    first = max(display_width(r.id) for r in matrix.rows) + 2
    widths = [max(display_width(c.id), *(display_width(r.cells[i].text) for r in matrix.rows)) + 2
              for i, c in enumerate(matrix.columns)]
    header = _pad("", first) + "".join(_pad(c.id, w) for c, w in zip(matrix.columns, widths,
                                                                       strict=True))
    lines.append(f"    {header}".rstrip())
    for row in matrix.rows:
        cells = "".join(_pad(c.text, w) for c, w in zip(row.cells, widths, strict=True))
        lines.append(f"    {_pad(row.id, first)}{cells}".rstrip())
    return lines


def _matrix(d: DocumentReport, *, lang: Lang) -> list[str]:
    matrix = build_matrix(d, lang=lang)
    if matrix is None or not matrix.rows:
        return []
    return _matrix_lines(matrix, lang=lang)


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
    if d.unreachable:
        lines.append(f"  {m('unreachable-title')}: {unreachable_text(d.unreachable)}")
        lines.append(f"    ({m('unreachable-note')})")
    if d.signatures:
        best = format_time(d.best_signature_time, lang=lang)
        lines.append(f"  {m('best-signature-time')}: {best}")
        lines.append(f"  {m('renewal-due')}: {format_time(d.renewal_due, lang=lang)}")
    for s in d.signatures:
        lines += _signature(s, lang=lang)
    for t in d.timestamps:
        lines += _timestamp(t, lang=lang)
    return lines + _matrix(d, lang=lang)


def render_text_header(validated_at: datetime, *, lang: Lang = "ja") -> str:
    """The report's title line and the validation time, then a blank line."""
    return f"{message('title', lang=lang)} — {format_time(validated_at, lang=lang)}\n\n"


def render_text_document(document: DocumentReport, *, lang: Lang = "ja") -> str:
    """One file's section, then a blank line; printed as soon as the file is verified."""
    return "\n".join(_document(document, lang=lang)) + "\n\n"


def render_text_summary(documents: Sequence[DocumentReport], *, lang: Lang = "ja") -> str:
    """The closing line: how many of the files are valid."""
    valid = sum(1 for d in documents if d.ok)
    return (f"{message('summary', lang=lang)}: {valid}/{len(documents)} "
            f"{message('files-valid', lang=lang)}\n")


def render_text(run: VerificationRun, *, lang: Lang = "ja") -> str:
    """The report for people, Japanese by default; files in input order, then a summary.

    The same text as the header, each document's section and the summary one after the
    other, which is how ``pdfsign verify`` streams it.
    """
    return render_text_header(run.validated_at, lang=lang) + "".join(
        render_text_document(d, lang=lang) for d in run.documents) + \
        render_text_summary(run.documents, lang=lang)
