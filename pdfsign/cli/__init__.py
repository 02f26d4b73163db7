"""The ``pdfsign`` command line: one module per command group, all calling core functions."""

from __future__ import annotations

from pdfsign.cli._root import root

__all__ = ["main", "root"]


def _register() -> None:
    """Attach every command group to the root (one line per module)."""
    from pdfsign.cli import pki

    root.add_command(pki.pki)
    from pdfsign.cli import files, issue

    root.add_command(issue.issue)
    for command in (files.get, files.history, files.reissue, files.invalidate, files.transfer,
                    files.repaid, files.subrogate, files.search, files.purge, files.audit,
                    files.bank):
        root.add_command(command)
    from pdfsign.cli import render

    root.add_command(render.render)
    from pdfsign.cli import tsa

    root.add_command(tsa.tsa)
    from pdfsign.cli import sign

    root.add_command(sign.sign)
    from pdfsign.cli import verify

    root.add_command(verify.verify)


_register()


def main() -> None:
    """Console-script entry point."""
    root(prog_name="pdfsign")
