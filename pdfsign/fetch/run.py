"""One run of the bulk download tool, and its one error boundary.

Settings → TLS → the folder's state → sign in → list what is new → download each file
(written, then journalled) → the CSV list → the new state.  Every error ends as one
``[ERROR]`` line and its family's exit code (:class:`~.errors.ExitCode`); no traceback
reaches the user, not even for a bug (``unexpected error: <type>: <text>``).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ._version import __version__
from .client import Client
from .errors import ExitCode, FetchError
from .log import RunLog, local_now
from .output import remove_leftovers, write_atomically, write_list
from .settings import FetchSettings, log_folder, read_settings
from .state import StateStore
from .tls import ssl_context
from .transport import Transport

__all__ = ["DEFAULT_CONFIG", "run"]

#: The settings file used when none is given: in the current folder, as seed 002's
#: ``syncdl.ini`` sits beside the tool.
DEFAULT_CONFIG = Path("pdfsign-fetch.toml")


def run(config: Path = DEFAULT_CONFIG, *, stderr: TextIO | None = None,
        clock: Callable[[], dt.datetime] = local_now,
        sleep: Callable[[float], None] = time.sleep) -> int:
    """Download what is new according to the settings file ``config``.

    :param stderr: where log lines go besides the log file (default: standard error).
    :param clock: the local time for log lines, the log file's day and the CSV's name.
    :param sleep: how to wait between retries.
    :return: the exit code (0: done or no new data).
    """
    log = RunLog(stderr if stderr is not None else sys.stderr, clock=clock)
    try:
        _run(config, log, clock=clock, sleep=sleep)
        return ExitCode.OK
    except FetchError as exc:
        log.error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("unexpected error: interrupted")
        return ExitCode.UNEXPECTED
    except Exception as exc:  # the boundary: a bug still ends as one log line
        log.error(f"unexpected error: {type(exc).__name__}: {exc}")
        return ExitCode.UNEXPECTED
    finally:
        log.close()


def _run(config: Path, log: RunLog, *, clock: Callable[[], dt.datetime],
         sleep: Callable[[float], None]) -> None:
    raw = read_settings(config)
    base = config.parent
    if (folder := log_folder(raw, base=base)) is not None:
        log.attach(folder)  # first, so that the settings' own errors reach the file
    settings = FetchSettings.from_mapping(raw, base=base)
    transport = Transport(settings.service, context=ssl_context(settings),
                          proxy=settings.proxy, connect_timeout=settings.connect_timeout,
                          read_timeout=settings.read_timeout,
                          user_agent=f"pdfsign-fetch/{__version__}")
    client = Client(transport, retry_count=settings.retry_count, retry_wait=settings.retry_wait,
                    warn=log.warn, sleep=sleep)
    store = StateStore(settings.output_dir)
    try:
        state = store.load(settings.service.url(""))
        remove_leftovers(settings.output_dir)
        if (signin := settings.password_signin) is not None:
            client.sign_in(*signin)
        elif settings.token is not None:
            client.use_token(settings.token)
        feed = client.feed(state.since)
        for listed in (f for f in feed.files if not state.holds(f)):
            version, pdf = client.download(listed.file_id)
            write_atomically(settings.output_dir / f"{listed.file_id}.pdf", pdf)
            store.record(state, replace(listed, version=version,
                                        data=listed.data | {"current_version": version}))
            log.info(f"download [{len(state.pending)}] {listed.file_id}")
        had_news = bool(state.pending)
        if had_news:
            write_list(settings.output_dir, state.pending, at=clock())
        store.finish(state, feed.as_of)
        log.info("done" if had_news else "no new data")
    finally:
        store.close()
        transport.close()

