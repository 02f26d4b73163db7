"""The auditor's report as plain, already-worded data: overview, fields, sections and the matrix.

The HTML and PDF reports are laid out with the project's templates and vendored font, which
belong to ``pdfsign``; ``verify`` must not import it (an auditor's machine has only the PDF and
the trust roots).  So the cut is here: this module shapes a :class:`VerificationRun` into a
view whose every string is final (``ja`` or ``en``, worded by :mod:`verify.messages`) and whose
every status is a keyword a stylesheet can colour; ``pdfsign.render`` only lays it out.  The
text report prints the same :class:`Matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Literal

from verify.messages import Lang, message
from verify.report import (
    CellStatus,
    DocumentReport,
    RevocationSummary,
    ServiceFailure,
    SignatureFinding,
    TimestampFinding,
    Verdict,
    VerificationRun,
)

__all__ = [
    "Cell",
    "Column",
    "DocumentView",
    "Field",
    "Matrix",
    "MatrixRow",
    "ReportView",
    "Section",
    "Status",
    "build_matrix",
    "build_view",
    "format_time",
    "revocation_text",
    "unreachable_text",
]

#: How a value should look: ``ok`` (passed), ``bad`` (failed or unknown), ``plain``.
Status = Literal["ok", "bad", "plain"]

_JST = timezone(timedelta(hours=9), "JST")


def format_time(value: datetime | None, *, lang: Lang) -> str:
    """JST for Japanese readers, UTC for English ones; ``-`` for no time."""
    if value is None:
        return "-"
    if lang == "ja":
        return value.astimezone(_JST).strftime("%Y年%m月%d日 %H:%M:%S JST")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class Field:
    """One labelled value; ``lines`` has several entries for a list (a certificate chain)."""

    label: str
    lines: tuple[str, ...]
    status: Status = "plain"


@dataclass(frozen=True)
class Section:
    """One signature or timestamp: heading, verdict wording and its fields."""

    id: str
    heading: str
    verdict: str
    status: Status
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Column:
    """A validation reference time (検証基準時刻), a matrix column."""

    id: str
    kind: str
    time: str


@dataclass(frozen=True)
class Cell:
    """Validity of one row at one column; ``code`` is the :class:`CellStatus` value or ``""``."""

    text: str
    code: str
    status: Status


@dataclass(frozen=True)
class MatrixRow:
    """A signature or timestamp across every reference time."""

    id: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Matrix:
    """Rows: signatures then timestamps; columns: reference times."""

    columns: tuple[Column, ...]
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class DocumentView:
    """One file: the overview line, the summary fields, the matrix and the sections."""

    number: int
    path: str
    verdict: str
    verdict_code: str
    status: Status
    level: str
    signers: tuple[str, ...]
    fields: tuple[Field, ...]
    matrix: Matrix | None
    signatures: tuple[Section, ...]
    timestamps: tuple[Section, ...]


@dataclass(frozen=True)
class ReportView:
    """The whole report, in one language."""

    lang: Lang
    validated_at: str
    valid_count: int
    documents: tuple[DocumentView, ...]

    def label(self, key: str) -> str:
        """A label's wording in the report's language (for the template's fixed text)."""
        return message(key, lang=self.lang)


def _status(ok: bool) -> Status:
    return "ok" if ok else "bad"


def _indication(indication: str, subindication: str | None) -> str:
    return indication + (f" / {subindication}" if subindication else "")


def unreachable_text(failures: tuple[ServiceFailure, ...]) -> str:
    """``http://…/ocsp (connection refused), …``: the services that could not be asked."""
    return ", ".join(f"{f.url} ({f.reason})" for f in failures)


def revocation_text(r: RevocationSummary, *, lang: Lang) -> str:
    """``not revoked [embedded (DSS)]``: the status and where the evidence came from, then
    the services that could not be reached, if any."""
    sources = ", ".join(message(f"source.{s}", lang=lang) for s in r.sources) \
        or message("none", lang=lang)
    text = f"{message(f'revocation.{r.status}', lang=lang)} [{sources}]"
    if r.unreachable:
        text += f"; {message('unreachable', lang=lang)}: {unreachable_text(r.unreachable)}"
    return text


def build_matrix(d: DocumentReport, *, lang: Lang) -> Matrix | None:
    """The validity matrix of ``d``, or ``None`` when it has no reference times."""
    if not d.reference_times:
        return None
    columns = tuple(Column(r.id, message(f"ref.{r.kind}", lang=lang),
                           format_time(r.time, lang=lang)) for r in d.reference_times)
    items: list[SignatureFinding | TimestampFinding] = [*d.signatures, *d.timestamps]
    rows = []
    for item in items:
        label = (f"{message('signature', lang=lang)} {item.field}"
                 if isinstance(item, SignatureFinding) else message(item.kind, lang=lang))
        cells = []
        for column in columns:
            value = item.validity.get(column.id)
            if value is None:
                cells.append(Cell("", "", "plain"))
                continue
            status: Status = "plain" if value is CellStatus.NOT_APPLICABLE \
                else _status(value is CellStatus.VALID)
            cells.append(Cell(message(f"cell.{value.value}", lang=lang), value.value, status))
        rows.append(MatrixRow(item.id, label, tuple(cells)))
    return Matrix(columns, tuple(rows))


def _signature(s: SignatureFinding, *, lang: Lang) -> Section:
    m = partial(message, lang=lang)
    t = partial(format_time, lang=lang)
    fields = [
        Field(m("signer"), (s.signer,)),
        Field(m("indication"), (_indication(s.indication, s.subindication),),
              _status(s.indication == "TOTAL_PASSED")),
        Field(m("integrity"), (f"{m('intact' if s.intact else 'broken')}; {m('coverage')}: "
                               f"{m('coverage.' + s.coverage)}; "
                               f"{m('byte-range')} {list(s.byte_range)}",), _status(s.intact)),
        Field(m("level"), (s.level.value if s.level else "-",)),
        Field(m("best-signature-time"), (t(s.best_signature_time),)),
        Field(m("revocation"), (revocation_text(s.revocation, lang=lang),),
              _status(s.revocation.status == "good")),
        Field(m("changes"), (f"{m('change.' + s.changes.kind)} ({m('revisions')} "
                             f"{s.changes.signed_revision} → {s.changes.last_revision})",),
              _status(s.changes.kind in ("none", "ltv-updates"))),
    ]
    if s.certified:
        fields.append(Field("DocMDP", (m("certified"),)))
    if s.reason:
        fields.append(Field(m("reason"), (s.reason,), "bad"))
    fields.append(Field(m("chain"), tuple(f"{c.subject} ({t(c.not_before)} – {t(c.not_after)})"
                                          for c in s.chain)))
    return Section(s.id, f"{m('signature')} {s.field}", m(f"verdict.{s.verdict.value}"),
                   _status(s.verdict is Verdict.VALID), tuple(fields))


def _timestamp(ts: TimestampFinding, *, lang: Lang) -> Section:
    m = partial(message, lang=lang)
    fields = [
        Field(m("time"), (format_time(ts.time, lang=lang),)),
        Field(m("tsa"), (ts.tsa,)),
        Field(m("indication"), (_indication(ts.indication, ts.subindication),),
              _status(ts.indication == "TOTAL_PASSED")),
        Field(m("integrity"), (m("intact" if ts.intact else "broken"),), _status(ts.intact)),
        Field(m("revocation"), (revocation_text(ts.revocation, lang=lang),),
              _status(ts.revocation.status == "good")),
    ]
    if ts.reason:
        fields.append(Field(m("reason"), (ts.reason,), "bad"))
    verdict = m("verdict.valid" if ts.ok else "verdict.indeterminate")
    if not ts.intact:
        verdict = m("verdict.invalid-integrity")
    return Section(ts.id, m(ts.kind), verdict, _status(ts.ok), tuple(fields))


def _fields(d: DocumentReport, *, lang: Lang) -> tuple[Field, ...]:
    m = partial(message, lang=lang)
    level = d.level.value if d.level else "-"
    fields = [
        Field(m("verdict"), (f"{m('verdict.' + d.verdict.value)} [{d.verdict.value}]",),
              _status(d.ok)),
        Field(m("level"), (level,)),
        Field(m("indication"), (_indication(d.indication, d.subindication),),
              _status(d.indication == "TOTAL_PASSED")),
    ]
    if d.required is not None:
        fields.append(Field(m("required"), (f"{d.required.value} ("
                            f"{m('met' if d.requirement_met else 'not-met')})",),
                            _status(d.requirement_met)))
    if d.reason:
        fields.append(Field(m("reason"), (d.reason,), "bad"))
    if d.unreachable:
        fields.append(Field(m("unreachable-title"), (
            *(unreachable_text((f,)) for f in d.unreachable), m("unreachable-note"))))
    if d.signatures:
        fields.append(Field(m("best-signature-time"),
                            (format_time(d.best_signature_time, lang=lang),)))
        fields.append(Field(m("renewal-due"), (format_time(d.renewal_due, lang=lang),)))
    return tuple(fields)


def _document(number: int, d: DocumentReport, *, lang: Lang) -> DocumentView:
    return DocumentView(
        number=number, path=d.path, verdict=message(f"verdict.{d.verdict.value}", lang=lang),
        verdict_code=d.verdict.value, status=_status(d.ok),
        level=d.level.value if d.level else "-",
        signers=tuple(dict.fromkeys(s.signer for s in d.signatures)),
        fields=_fields(d, lang=lang), matrix=build_matrix(d, lang=lang),
        signatures=tuple(_signature(s, lang=lang) for s in d.signatures),
        timestamps=tuple(_timestamp(t, lang=lang) for t in d.timestamps),
    )


def build_view(run: VerificationRun, *, lang: Lang = "ja") -> ReportView:
    """Shape ``run`` for the auditor's report, worded in ``lang`` (Japanese by default).

    :param run: The verification of one or more files.
    :param lang: ``ja`` (JST times) or ``en`` (UTC times).
    :return: Frozen data a template can lay out without any logic of its own.
    """
    return ReportView(
        lang=lang, validated_at=format_time(run.validated_at, lang=lang),
        valid_count=sum(1 for d in run.documents if d.ok),
        documents=tuple(_document(i, d, lang=lang) for i, d in enumerate(run.documents, 1)),
    )
