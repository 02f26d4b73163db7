"""``pdfsign sign``: sign one PDF at ES-T (PAdES B-T) or ES-A (PAdES B-LTA)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from pdfsign.atomic import write_atomically
from pdfsign.cli._signer import open_signer
from pdfsign.config import Settings
from pdfsign.errors import InputError, PdfsignError
from pdfsign.signing.levels import Level, parse_level
from pdfsign.signing.pades import sign_pdf
from pdfsign.signing.timestamping import signing_services_from

__all__ = ["LevelParam", "sign"]


class LevelParam(click.ParamType[Level]):
    """A signature level on the command line, parsed by :func:`parse_level`."""

    name = "level"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Level:
        """Turn ``ES-T``/``ES-A`` (any case, or ``B-T``/``B-LTA``) into a :class:`Level`."""
        if isinstance(value, Level):
            return value
        try:
            return parse_level(str(value))
        except PdfsignError as exc:
            self.fail(exc.message, param, ctx)


@click.command("sign")
@click.argument("input_pdf", metavar="IN.pdf",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, metavar="OUT.pdf",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the signed PDF.")
@click.option("--level", required=True, type=LevelParam(),
              help="ES-T (PAdES B-T) or ES-A (PAdES B-LTA).")
@click.option("--signer", "signer", metavar="SIGNER",
              help="The signer's PKCS#12 file, a signer name of the PKI folder, or a token "
                   "key's PKCS#11 URI ('pkcs11:token=T;object=K'). "
                   "[default: the configured signer]")
@click.option("--pin-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the signing PIN from this file (else PDFSIGN_PIN, else a prompt).")
@click.option("--tsa-url", metavar="URL",
              help="Use this RFC 3161 TSA and fetch revocation data over HTTP "
                   "(default: the bundled TSA, in-process).")
@click.option("--pki", "pki_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The PKI folder (trust root; keys of the bundled TSA). [default: configured]")
@click.option("--reason", help="Reason for signing, shown by PDF viewers.")
@click.option("--location", help="Place of signing, shown by PDF viewers.")
def sign(input_pdf: Path, output: Path, level: Level, signer: str | None, pin_file: Path | None,
         tsa_url: str | None, pki_dir: Path | None, reason: str | None,
         location: str | None) -> None:
    """Sign IN.pdf at ES-T or ES-A and write OUT.pdf."""
    settings = Settings.load(pki_dir=pki_dir, tsa_url=tsa_url,
                             tsa_mode="http" if tsa_url else None)
    key = open_signer(settings, signer=signer, pin_file=pin_file)
    services = signing_services_from(settings)
    try:
        pdf = input_pdf.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", field=str(input_pdf)) from None
    signed = sign_pdf(pdf, signer=key, level=level, timestamper=services.timestamper,
                      validation_context_factory=services.validation_context,
                      at=dt.datetime.now(dt.UTC), reason=reason, location=location,
                      grace=services.grace)
    write_atomically(output, signed)
    click.echo(f"{output}: signed at {level.value} ({level.pades_name}), {len(signed):,} bytes")
