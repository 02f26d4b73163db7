"""Verification as both front ends offer it: whose roots to trust, the report, the signed report.

``pdfsign verify`` and the web UI's verification page must show the same report and file the
same evidence, so each rule lives here once and both call it:

- :func:`trust_from` — the trust roots are the ``--trust`` files if given, else the ``trust``
  setting; with neither, verification refuses to run (the OS store is never used).
- :func:`render_run` — the report in any of :data:`verify.formats.FORMATS`; the HTML is the
  standalone page (the web page embeds :func:`pdfsign.render.render_report_body` instead).
- :func:`sign_report` — the PDF report signed and time-stamped at ES-T, so an auditor can file
  it as evidence of what was checked when; :func:`configured_signer` opens the installation's
  signer for it where no one can be asked for a PIN (the web UI).

The verification itself is :mod:`verify`'s, which knows nothing of settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, InputError
from pdfsign.keys import open_signer
from pdfsign.registry import Registry
from pdfsign.render import render_report_html, render_report_pdf
from pdfsign.signing import (
    Level,
    PadesSigner,
    sign_pdf,
    signing_services_from,
)
from verify import TrustInputError, TrustSettings, VerificationRun, load_trust_settings
from verify.formats import FORMATS, render_json, render_junit, render_text
from verify.messages import Lang, message

__all__ = ["NO_TRUST_MESSAGE", "configured_signer", "render_run", "sign_report", "trust_from"]

#: Why verification cannot run without roots, and the two ways to give them.
NO_TRUST_MESSAGE = ('no trust anchor: give --trust ROOT.pem or set trust = ["ROOT.pem"] in '
                    "config.toml (the OS store is never used)")


def _setting_paths(settings: Settings) -> tuple[Path, ...]:
    """The ``trust`` setting's files; a relative one is relative to the home folder."""
    paths = (Path(entry).expanduser() for entry in settings.trust)
    return tuple(path if path.is_absolute() else settings.home / path for path in paths)


def trust_from(settings: Settings, *, trust: Sequence[Path] = (), crls: Sequence[Path] = (),
               ocsps: Sequence[Path] = (), offline: bool = False) -> TrustSettings:
    """The trust roots and revocation data to verify with: ``trust`` if given, else the setting.

    Given files replace the setting rather than add to it, so an auditor's ``--trust`` says
    exactly whom the report trusts.  A relative path in the setting (``config.toml`` or
    ``PDFSIGN_TRUST``) is relative to the home folder, where ``config.toml`` lives, so the
    configuration means the same from any working directory; ``~`` is expanded.

    :param settings: The loaded settings (``trust``, ``home``).
    :param trust: Root certificate files given for this run (``--trust``), PEM or DER.
    :param crls: Extra CRL files, besides those embedded in the PDFs.
    :param ocsps: Extra DER OCSP response files.
    :param offline: Never fetch revocation data or certificates.
    :raises ConfigurationError: Neither ``trust`` nor the setting names a root: exactly then
        ``field="trust"`` (:data:`NO_TRUST_MESSAGE`), which the CLI reports as a usage error.
        Or a file the setting lists cannot be read or parsed (the field is that file), or
        they hold no certificate (the field lists them): the configuration is wrong.
    :raises TrustInputError: A file given as ``trust``, ``crls`` or ``ocsps`` cannot be read or
        parsed (the field is that file).
    """
    configured = not trust
    roots = _setting_paths(settings) if configured else tuple(trust)
    if not roots:
        raise ConfigurationError(NO_TRUST_MESSAGE, field="trust")
    try:
        return load_trust_settings(trust=roots, crls=crls, ocsps=ocsps, offline=offline)
    except TrustInputError as exc:
        listed = {str(path) for path in roots}
        if not configured or exc.field not in listed | {"--trust"}:
            raise
        field = exc.field if exc.field in listed else ", ".join(sorted(listed))
        raise ConfigurationError(f"{exc.message} (listed in the trust setting)",
                                 field=field) from None


def render_run(run: VerificationRun, fmt: str, *, lang: Lang, at: dt.datetime) -> bytes:
    """The report of ``run`` in ``fmt``, as the bytes to write or send.

    :param run: The verification to report, files in input order.
    :param fmt: One of :data:`verify.formats.FORMATS` (``text``, ``json``, ``junit``, ``html``,
        ``pdf``).
    :param lang: ``ja`` (times in JST) or ``en`` (times in UTC); JSON and JUnit are the same in
        both.
    :param at: When the report is made (tz-aware): the HTML/PDF creation date, so the same run
        and ``at`` give the same PDF bytes.
    :raises InputError: ``fmt`` is not a known format (``field="format"``), or ``at`` is naive.
    """
    if fmt == "json":
        return render_json(run).encode()
    if fmt == "junit":
        return render_junit(run).encode()
    if fmt == "html":
        return render_report_html(run, created_at=at, lang=lang).encode()
    if fmt == "pdf":
        return render_report_pdf(run, created_at=at, lang=lang)
    if fmt == "text":
        return render_text(run, lang=lang).encode()
    raise InputError(f"unknown report format {fmt!r}; one of {', '.join(FORMATS)}",
                     field="format")


def configured_signer(settings: Settings, *, registry: Registry | None = None,
                      actor: str | None = None, at: dt.datetime | None = None) -> PadesSigner:
    """The installation's signer (``signer`` in ``pki_dir``), opened with the ``pin`` setting.

    For a front end that cannot ask for a PIN (the web UI); the CLI resolves ``--signer`` and
    ``--pin-file`` or prompts instead.  A missing PIN is a configuration error rather than a
    wrong PIN, so an operator is told what to set.

    :param registry: the registry holding the signer's lock (default: ``settings``' own).
    :param actor: who asks (the audit trail's actor; default ``settings.actor``).
    :param at: when (default now).
    :raises ConfigurationError: No PIN is configured (``field="pin"``).
    :raises InputError: The PKCS#12 file cannot be read or holds no key and certificate.
    :raises PermissionDenied: The configured PIN is wrong, or the signer locked.
    :raises SigningError: The key is neither RSA nor ECDSA, or its certificate may not sign.
    """
    if not settings.pin:
        raise ConfigurationError("no signing PIN for the report signer: set PDFSIGN_PIN "
                                 "(or pin in config.toml)", field="pin")
    return open_signer(settings, registry or Registry.open(settings), pin=settings.pin,
                       actor=actor or settings.actor, at=at or dt.datetime.now(dt.UTC))


def sign_report(pdf: bytes, settings: Settings, *, signer: PadesSigner,
                at: dt.datetime) -> bytes:
    """``pdf`` (a PDF report from :func:`render_run`) signed and time-stamped at ES-T.

    ES-T is enough: the report is evidence of what was checked and when, filed beside the
    documents it reports on, which carry their own long-term (ES-A) evidence.  The time-stamp
    comes from the installation's TSA (``tsa_mode``/``tsa_url``).

    :param pdf: The unsigned PDF report.
    :param settings: The installation's settings (PKI folder, TSA).
    :param signer: Who signs the report (:func:`configured_signer`, or the CLI's ``--signer``).
    :param at: The signing time (tz-aware UTC).
    :return: The signed PDF, its reason the report's title (署名検証レポート).
    :raises SigningError: The PDF cannot be signed.
    :raises TimestampError: The time-stamp authority refused or could not be reached.
    """
    services = signing_services_from(settings)
    return sign_pdf(pdf, signer=signer, level=Level.ES_T, timestamper=services.timestamper,
                    validation_context_factory=services.validation_context, at=at,
                    reason=message("title", lang="ja"), location=None)
