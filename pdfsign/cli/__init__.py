"""The ``pdfsign`` command line: one module per command group, all calling core functions."""

from __future__ import annotations

from pdfsign.cli._root import root

__all__ = ["main", "root"]


def _register() -> None:
    """Attach every command group to the root (one line per module)."""
    from pdfsign.cli import pki

    root.add_command(pki.pki)


_register()


def main() -> None:
    """Console-script entry point."""
    root(prog_name="pdfsign")
