"""``pdfsign fetch`` — the bulk download tool a bank's head office schedules (seed 002's
一括ダウンロードツール, DOMAIN.md "Bulk download tool").

It downloads every file uploaded since its last successful run that its user may see, into
an output folder, with a CSV list of their metadata, and logs ``[INFO]``/``[WARN]``/``[ERROR]``
lines.  It uses nothing but the standard library (PKCS#12 client certificates excepted: they
need the optional ``cryptography``) and only relative imports, so the same folder is also a
distribution of its own, ``pdfsign-fetch`` (its ``pyproject.toml`` is beside this file),
which a bank installs without the rest of pdfsign.

Modules: :mod:`.settings` (the TOML file), :mod:`.tls`, :mod:`.transport` (HTTP with connect
and read timeouts, proxy), :mod:`.client` (the API, retries, checks), :mod:`.state` (resume
without downloading twice), :mod:`.output` (atomic files, the CSV), :mod:`.log`,
:mod:`.run` (one run and its error boundary), :mod:`.errors` (exit codes).
"""

from __future__ import annotations

from ._version import __version__
from .errors import ExitCode
from .run import DEFAULT_CONFIG, run

__all__ = ["DEFAULT_CONFIG", "ExitCode", "__version__", "run"]
