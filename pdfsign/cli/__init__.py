"""The ``pdfsign`` command line: one module per command group, all calling core functions.

The root group (:mod:`pdfsign.cli._root`) names every subcommand and imports its module only
when it runs.
"""

from __future__ import annotations

from pdfsign.cli._root import root

__all__ = ["main", "root"]


def main() -> None:
    """Console-script entry point."""
    root(prog_name="pdfsign")
