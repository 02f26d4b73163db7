"""The root group: every subcommand resolves, and none is imported before it runs."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from pdfsign.cli import root
from pdfsign.cli._root import _COMMANDS


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_every_listed_command_resolves_to_itself(name: str) -> None:
    command = root.get_command(click.Context(root), name)
    assert command is not None
    assert command.name == name


def test_unknown_command_is_none() -> None:
    assert root.get_command(click.Context(root), "nope") is None


def test_starting_the_cli_loads_no_heavy_module() -> None:
    """``pdfsign tsa serve`` and verify's worker processes must not pay for WeasyPrint or SQL."""
    probe = ("import sys, pdfsign.cli; "
             "print(sorted(m for m in ('weasyprint', 'sqlalchemy', 'pdfsign.registry') "
             "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
