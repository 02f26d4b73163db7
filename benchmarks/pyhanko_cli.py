"""The baselines: pyHanko's own command line, one process per document.

This is what scripting pyHanko costs a user who does not keep a warm process: each
document pays the interpreter start-up, the imports and the key parsing again.  The same
PKCS#12 file, PIN, trust root and our HTTP TSA are used, so the documents are equivalent.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CliRun", "addsig_command", "adesverify_command", "run_checked", "run_parallel"]


def _pyhanko() -> str:
    return str(Path(sys.executable).parent / "pyhanko")


def addsig_command(*, infile: Path, outfile: Path, p12: Path, pin_file: Path, tsa_url: str,
                   root: Path) -> list[str]:
    """``pyhanko sign addsig`` making a PAdES B-LTA signature like our ES-A.

    :param tsa_url: the RFC 3161 endpoint (our ``/tsa``); revocation data is fetched from
        the URLs in the certificates, so the PKI's server must answer there.
    """
    return [_pyhanko(), "sign", "addsig", "--field", "Signature1", "--certify",
            "--use-pades", "--use-pades-lta", "--with-validation-info",
            "--timestamp-url", tsa_url, "--trust", str(root), "--trust-replace",
            "pkcs12", "--passfile", str(pin_file), str(infile), str(outfile), str(p12)]


def adesverify_command(*, infile: Path, root: Path) -> list[str]:
    """``pyhanko sign adesverify`` validating a file AdES-style against ``root``."""
    return [_pyhanko(), "sign", "adesverify", "--trust", str(root), "--trust-replace",
            "--executive-summary", str(infile)]


@dataclass(frozen=True)
class CliRun:
    """What running a batch of baseline jobs took."""

    #: Wall-clock seconds from the first start to the last end.
    seconds: float
    #: Seconds per job, in input order.
    durations: tuple[float, ...]

    @property
    def per_second(self) -> float:
        """Jobs per second over the whole batch."""
        return len(self.durations) / self.seconds


def _run(job: Callable[[], None]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def run_parallel(jobs: Sequence[Callable[[], None]], *, workers: int) -> CliRun:
    """Run ``jobs`` on ``workers`` threads (each job mostly waits on its subprocess).

    :raises RuntimeError: re-raised from the first job that failed.
    """
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        durations = tuple(pool.map(_run, jobs))
    return CliRun(seconds=time.perf_counter() - start, durations=durations)


def run_checked(command: list[str], *, expect: str | None = None) -> str:
    """Run ``command``; its standard output.

    :param expect: text the output must contain (e.g. ``":VALID"``).
    :raises RuntimeError: on a non-zero exit status or missing ``expect``, with the output.
    """
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or (expect is not None and expect not in done.stdout):
        raise RuntimeError(f"{' '.join(command[:3])} exited {done.returncode}: "
                           f"{(done.stdout + done.stderr)[-600:]}")
    return done.stdout
