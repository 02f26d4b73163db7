"""``pdfsign render``: a data file → an unsigned PDF/A document, or a kind's JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from pdfsign.atomic import write_atomically
from pdfsign.documents import DocumentKind, json_schema, parse_document, parse_kind
from pdfsign.errors import InputError
from pdfsign.render import render_pdf

__all__ = ["render"]


class _KindType(click.ParamType[DocumentKind]):
    """A document kind, parsed by :func:`pdfsign.documents.parse_kind` (one message everywhere)."""

    name = "kind"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> DocumentKind:
        try:
            return parse_kind(value)
        except InputError as exc:
            self.fail(exc.message, param, ctx)


def _parse_at(value: str) -> dt.datetime:
    """An ISO 8601 time with a zone (``2026-11-22T09:00:00+09:00`` or ``...Z``), as UTC."""
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError("日時はISO 8601形式で指定してください / --at must be an ISO 8601 time "
                         f"(got {value!r})", field="--at") from None
    if at.tzinfo is None:
        raise InputError("タイムゾーンを指定してください / --at needs a time zone (Z or +09:00)",
                         field="--at")
    return at.astimezone(dt.UTC)


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"UTF-8ではありません / not UTF-8 text ({exc.reason})",
                         field=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"JSONとして読めません / invalid JSON at line {exc.lineno} column "
                         f"{exc.colno}: {exc.msg}", field=str(path)) from None


@click.command("render")
@click.argument("data", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF.")
@click.option("--at", "at_text", metavar="TIME",
              help="Creation time for the metadata (ISO 8601 with zone); default now.")
@click.option("--schema", "schema_kind", type=_KindType(),
              help="Print the JSON Schema of KIND instead of rendering.")
def render(data: Path | None, output: Path | None, at_text: str | None,
           schema_kind: DocumentKind | None) -> None:
    """Render DATA (a JSON file naming its "kind") as an unsigned PDF/A-2b document."""
    if schema_kind is not None:
        if data is not None or output is not None:
            raise click.UsageError("--schema takes no DATA or --output")
        click.echo(json.dumps(json_schema(schema_kind), ensure_ascii=False, indent=2))
        return
    if data is None or output is None:
        raise click.UsageError("give DATA and -o OUT.pdf (or --schema KIND)")
    document = parse_document(_load(data))
    at = _parse_at(at_text) if at_text else dt.datetime.now(dt.UTC)
    write_atomically(output, render_pdf(document, created_at=at))
    click.echo(f"{output}: {document.title_ja} ({document.kind.value})")
