"""The process side of batch jobs: starting ``pdfsign issue --job`` detached, and its lock.

Whether a job's process lives is a lock on its log file (``job.log``, the process's standard
output and error): taken by whoever starts the process and inherited by it and its workers,
dropped by the kernel when the last of them ends, however it ends.  See
:mod:`pdfsign.batch_jobs` for the jobs themselves.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from pdfsign.config import Settings
from pdfsign.errors import ConflictError

__all__ = ["LOG", "child_environment", "held_lock", "is_locked", "locked_log", "running_error",
           "spawn"]

#: The job's log file in its folder, and its liveness lock.
LOG = "job.log"
_ENTRY = "from pdfsign.cli import main; main()"


def running_error() -> ConflictError:
    """The refusal for a job whose process is running."""
    return ConflictError("このバッチは実行中です / this batch is running", field="job")


def is_locked(folder: Path) -> bool:
    """Whether a process holds the job's log lock (a shared try never blocks anyone long)."""
    try:
        handle = (folder / LOG).open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@contextmanager
def locked_log(folder: Path) -> Iterator[IO[bytes]]:
    """The job's log, opened for appending and locked, for a process about to inherit it.

    :raises ConflictError: a process holds it (the job is running).
    """
    with (folder / LOG).open("ab") as log:
        for attempt in range(5):  # a page's liveness check holds it for microseconds
            try:
                fcntl.flock(log, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == 4:
                    raise running_error() from None
                time.sleep(0.02)
        yield log


@contextmanager
def held_lock(folder: Path) -> Iterator[None]:
    """Hold the job's lock for this process: inherited (standard output is the log) or taken.

    :raises ConflictError: another process holds it.
    """
    log = folder / LOG
    try:
        inherited = os.path.samestat(os.fstat(1), os.stat(log))
    except OSError:
        inherited = False
    if not inherited:
        with locked_log(folder):
            yield
        return
    try:  # the starter's lock on this very open file (a no-op), or a fresh one if it has none
        fcntl.flock(1, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise running_error() from None
    yield


def spawn(settings: Settings, job_id: str, folder: Path, *, pin: str, workers: int,
           actor: str, log: IO[bytes]) -> None:
    """``pdfsign issue --job ID`` in a new session, the PIN on its standard input."""
    command = [sys.executable, "-c", _ENTRY, "issue", "--job", job_id, "--pin-file", "-",
               "--workers", str(max(1, workers)), "--home", str(settings.home)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log,
                               stderr=subprocess.STDOUT, cwd=folder,
                               env=child_environment(settings, actor),
                               start_new_session=True)
    assert process.stdin is not None
    try:
        process.stdin.write(pin.encode("utf-8") + b"\n")
        process.stdin.close()
    except BrokenPipeError:  # it died at once: the page says dead, the log says why
        pass
    # Reap it when it ends (no zombie in a long-lived server); it outlives us if we end first.
    threading.Thread(target=process.wait, name=f"batch-{job_id}", daemon=True).start()


def child_environment(settings: Settings, actor: str) -> dict[str, str]:
    """This environment without any ``PDFSIGN_*`` (the PIN above all), plus ``settings``.

    The process then loads the same settings as its starter, whatever they were built from.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDFSIGN_")}

    env.update({"PDFSIGN_HOME": str(settings.home), "PDFSIGN_ACTOR": actor,
                "PDFSIGN_TSA_MODE": settings.tsa_mode, "PDFSIGN_PKI_DIR": str(settings.pki_dir),
                "PDFSIGN_SIGNER": settings.signer,
                "PDFSIGN_PKCS11_MODULE": settings.pkcs11_module,
                "PDFSIGN_WEAK_ALGORITHMS": settings.weak_algorithms,
                "PDFSIGN_REVOCATION_GRACE": settings.revocation_grace})
    if settings.database_url:
        env["PDFSIGN_DATABASE_URL"] = settings.database_url
    if settings.tsa_url:
        env["PDFSIGN_TSA_URL"] = settings.tsa_url
    return env
