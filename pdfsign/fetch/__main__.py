"""``pdfsign-fetch [--config FILE]`` (or ``python -m pdfsign.fetch``): one run, its exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import DEFAULT_CONFIG, __version__, run

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point of the standalone distribution."""
    parser = argparse.ArgumentParser(
        prog="pdfsign-fetch",
        description="Download every file uploaded since the last run that the user may see, "
                    "with a CSV list of them (pdfsign's bulk download tool).")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
                        help=f"the settings file (TOML; default ./{DEFAULT_CONFIG})")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)
    sys.exit(run(args.config))


if __name__ == "__main__":
    main()
