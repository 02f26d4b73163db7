"""``pdfsign verify``: verify signed PDFs and write a report; the exit code is the verdict.

Whom to trust, the report's formats and its signing are :mod:`pdfsign.verification`'s, shared
with the web UI; this module parses the options, streams the text report and sets the exit code.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from pdfsign.atomic import write_atomically
from pdfsign.cli._home import parse_instant
from pdfsign.cli._progress import progress_display
from pdfsign.cli._signer import open_signer
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, InputError
from pdfsign.verification import render_run, sign_report, trust_from
from verify import (
    LEVEL_NAMES,
    DocumentReport,
    Level,
    TrustInputError,
    TrustSettings,
    UnreadablePathError,
    VerificationRun,
    default_workers,
    expand_paths,
    iter_reports,
)
from verify.formats import (
    FORMATS,
    render_text_document,
    render_text_header,
    render_text_summary,
)
from verify.messages import Lang

__all__ = ["verify"]



class _Time(click.ParamType[dt.datetime]):
    """An ISO 8601 time with a zone (``2031-01-01T00:00:00+09:00`` or ``...Z``), as UTC."""

    name = "TIME"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = parse_instant(str(value), field="--at", naive_zone=None)
        except InputError as exc:  # verify's contract: bad options are usage errors (exit 2)
            self.fail(exc.message, param, ctx)
        assert parsed is not None
        return parsed


def _quiet_libraries() -> None:
    """pyHanko logs every failed check with a traceback; the report already says it all."""
    verbose = bool(click.get_current_context().find_root().params.get("verbose"))
    if not verbose:
        for name in ("pyhanko", "pyhanko_certvalidator", "fontTools", "weasyprint"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _trust(settings: Settings, *, trust: tuple[Path, ...], crls: tuple[Path, ...],
           ocsps: tuple[Path, ...], offline: bool) -> TrustSettings:
    """:func:`~pdfsign.verification.trust_from`, with no roots at all a usage error (exit 2)."""
    try:
        return trust_from(settings, trust=trust, crls=crls, ocsps=ocsps, offline=offline)
    except ConfigurationError as exc:
        if exc.field != "trust":  # a file the setting lists: the configuration is wrong
            raise
        raise click.UsageError(exc.message) from None
    except TrustInputError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from None


def _collect(reports: Iterator[DocumentReport], *, total: int, fmt: str, lang: Lang,
             output: Path | None, progress: bool | None, at: dt.datetime) -> VerificationRun:
    """Every report, in input order; the text report to stdout is printed as they come."""
    streaming = fmt == "text" and output is None
    documents = []
    with progress_display(total, asked=progress, label="verifying",
                          done_line="verified {done}/{total} files",
                          unasked_ok=not (streaming and sys.stdout.isatty())) as advance:
        if streaming:
            click.echo(render_text_header(at, lang=lang), nl=False)
        for report in reports:
            documents.append(report)
            advance()
            if streaming:
                click.echo(render_text_document(report, lang=lang), nl=False)
    if streaming:
        click.echo(render_text_summary(documents, lang=lang), nl=False)
    return VerificationRun(documents=tuple(documents), validated_at=at)


_PathArg = click.Path(path_type=Path)
_File = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("verify")
@click.argument("paths", nargs=-1, required=True, type=_PathArg)
@click.option("--trust", multiple=True, type=_File,
              help="Trusted root certificate(s), PEM/DER [default: the trust setting, "
                   "trust = [...] in config.toml].")
@click.option("--crl", multiple=True, type=_File, help="Extra CRL file(s), PEM/DER.")
@click.option("--ocsp", multiple=True, type=_File, help="Extra OCSP response file(s), DER.")
@click.option("--offline", is_flag=True, help="Never fetch revocation data from the network.")
@click.option("--at", "at", type=_Time(), help="Validation time instead of now (ISO 8601).")
@click.option("--require", type=click.Choice(LEVEL_NAMES, case_sensitive=False),
              help="Minimum level to pass.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here instead of standard output.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--sign", "signed", is_flag=True,
              help="Sign and timestamp the PDF report (ES-T) so it can be filed as evidence.")
@click.option("--signer", metavar="P12", help="Signer for --sign: PKCS#12 file or PKI signer name.")
@click.option("--pin-file", type=_File, help="Signing PIN for --sign (else PDFSIGN_PIN).")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes for many files [default: one per CPU; small runs use one].")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr [default: on long runs when stderr is a terminal].")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="PDFSIGN_HOME",
              help="Data directory whose config.toml to use (trust, and the signer and TSA "
                   "for --sign) [default: PDFSIGN_HOME or ~/.local/share/pdfsign].")
def verify(paths: tuple[Path, ...], trust: tuple[Path, ...], crl: tuple[Path, ...],
           ocsp: tuple[Path, ...], offline: bool, at: dt.datetime | None, require: str | None,
           fmt: str, output: Path | None, lang: Lang, signed: bool, signer: str | None,
           pin_file: Path | None, jobs: int | None, progress: bool | None,
           home: Path | None) -> None:
    """Verify signed PDFs (files or folders); exit 0 only if every file is valid."""
    _quiet_libraries()
    settings = Settings.load(home=home)
    trust_settings = _trust(settings, trust=trust, crls=crl, ocsps=ocsp, offline=offline)
    if signed and (fmt != "pdf" or output is None):
        raise click.UsageError("--sign needs --format pdf and -o OUT.pdf")
    now = dt.datetime.now(dt.UTC)
    try:
        files = list(expand_paths(paths))
        reports = iter_reports(files, settings=trust_settings, at=at or now,
                               require=Level.named(require) if require else None,
                               workers=jobs or default_workers())
        run = _collect(reports, total=len(files), fmt=fmt, lang=lang, output=output,
                       progress=progress, at=at or now)
    except UnreadablePathError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from None
    if fmt == "text" and output is None:  # already printed, file by file
        sys.exit(0 if run.ok else 1)
    data = render_run(run, fmt, lang=lang, at=now)
    if signed:
        key = open_signer(settings, signer=signer, pin_file=pin_file)
        data = sign_report(data, settings, signer=key, at=dt.datetime.now(dt.UTC))
    if output is not None:
        write_atomically(output, data)
    else:
        click.echo(data, nl=False)  # bytes go to stdout's binary buffer
    sys.exit(0 if run.ok else 1)
