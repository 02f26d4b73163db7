"""What the figures were measured on: the machine, the interpreter and the library versions.

A benchmark figure without its machine is meaningless; ``results.json`` carries this block so
that two runs can be compared only when they are comparable.
"""

from __future__ import annotations

import os
import platform
import ssl
from importlib import metadata
from typing import Any

from cryptography.hazmat.backends.openssl import backend

__all__ = ["PACKAGES", "machine_info"]

#: The libraries whose speed the figures depend on.
PACKAGES = ("pdfsign", "pyhanko", "pyhanko-certvalidator", "pyhanko-cli", "asn1crypto",
            "cryptography", "weasyprint", "pydyf", "pikepdf", "sqlalchemy", "waitress",
            "requests")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """The machine and software the run measured (JSON-ready).

    ``cpus_usable`` is the CPU affinity of this process, which is what the worker pools get;
    ``load_average`` at the start tells whether something else was competing.
    """
    return {
        "cpu_model": _cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_mb": _memory_mb(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "system": platform.platform(),
        "python": platform.python_version(),
        "openssl_python": ssl.OPENSSL_VERSION,
        "openssl_cryptography": backend.openssl_version_text(),
        "packages": {name: _version(name) for name in PACKAGES},
    }
