"""``pdfsign render``: a data file → an unsigned PDF/A document, or a kind's JSON Schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import click

from pdfsign.atomic import write_atomically
from pdfsign.cli._home import emit, parse_instant
from pdfsign.documents import DocumentKind, json_schema, load_data, parse_document, parse_kind
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




@click.command("render")
@click.argument("data", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF.")
@click.option("--at", "at_text", metavar="TIME",
              help="Creation time for the metadata (ISO 8601 with zone); default now.")
@click.option("--schema", "schema_kind", type=_KindType(),
              help="Print the JSON Schema of KIND instead of rendering.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def render(data: Path | None, output: Path | None, at_text: str | None,
           schema_kind: DocumentKind | None, as_json: bool) -> None:
    """Render DATA (a JSON file naming its "kind") as an unsigned PDF/A-2b document."""
    if schema_kind is not None:
        if data is not None or output is not None:
            raise click.UsageError("--schema takes no DATA or --output")
        click.echo(json.dumps(json_schema(schema_kind), ensure_ascii=False, indent=2))
        return
    if data is None or output is None:
        raise click.UsageError("give DATA and -o OUT.pdf (or --schema KIND)")
    document = parse_document(load_data(data))
    at = parse_instant(at_text, field="--at", naive_zone=None) or dt.datetime.now(dt.UTC)
    pdf = render_pdf(document, created_at=at)
    write_atomically(output, pdf)
    emit(as_json, {"output": str(output), "kind": document.kind.value,
                   "title": document.title_ja, "size": len(pdf),
                   "sha256": hashlib.sha256(pdf).hexdigest()},
         f"{output}: {document.title_ja} ({document.kind.value})")
