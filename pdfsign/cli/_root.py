"""The ``pdfsign`` root command group: global options and the error boundary."""

from __future__ import annotations

import importlib
import logging

import click

from pdfsign.cli._errors import error_boundary

__all__ = ["root"]


#: Subcommand name → (module under ``pdfsign.cli``, attribute).  Modules are imported only
#: when their command runs, so ``pdfsign tsa serve`` does not load WeasyPrint and SQLAlchemy,
#: and a worker process spawned by ``pdfsign verify`` does not re-import every command.
_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("files", "audit"),
    "bank": ("files", "bank"),
    "get": ("files", "get"),
    "history": ("files", "history"),
    "invalidate": ("files", "invalidate"),
    "issue": ("issue", "issue"),
    "pki": ("pki", "pki"),
    "purge": ("files", "purge"),
    "reissue": ("files", "reissue"),
    "render": ("render", "render"),
    "renew": ("renew", "renew"),
    "repaid": ("files", "repaid"),
    "search": ("files", "search"),
    "sign": ("sign", "sign"),
    "subrogate": ("files", "subrogate"),
    "transfer": ("files", "transfer"),
    "tsa": ("tsa", "tsa"),
    "verify": ("verify", "verify"),
}


class _Group(click.Group):
    """A group whose subcommands load on first use and all run inside the error boundary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module, attribute = _COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"pdfsign.cli.{module}"), attribute)
        assert isinstance(command, click.Command), cmd_name
        return command

    def invoke(self, ctx: click.Context) -> object:
        verbose = bool(ctx.params.get("verbose"))
        # The subcommand's own options are parsed later; its ``--json`` is already here.
        with error_boundary(verbose=verbose, as_json="--json" in ctx.args):
            return super().invoke(ctx)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", "-v", is_flag=True, help="Show debug logging and tracebacks.")
@click.version_option(package_name="pdfsign")
def root(verbose: bool) -> None:
    """Issue Japanese business documents as long-term signed PDFs, and verify them."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
