"""The ``pdfsign`` root command group: global options and the error boundary."""

from __future__ import annotations

import importlib
import logging
from importlib import metadata

import click

from pdfsign.cli._errors import error_boundary

__all__ = ["root"]


#: Subcommand name → (module under ``pdfsign.cli``, attribute).  Modules are imported only
#: when their command runs, so ``pdfsign tsa serve`` does not load WeasyPrint and SQLAlchemy,
#: and a worker process spawned by ``pdfsign verify`` does not re-import every command.
_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("files", "audit"),
    "bank": ("files", "bank"),
    "db": ("db", "db"),
    "fetch": ("fetch", "fetch"),
    "get": ("files", "get"),
    "history": ("files", "history"),
    "invalidate": ("files", "invalidate"),
    "issue": ("issue", "issue"),
    "keys": ("keys", "keys"),
    "mail": ("mail", "mail"),
    "migrate-store": ("store", "migrate_store_command"),
    "pki": ("pki", "pki"),
    "purge": ("files", "purge"),
    "reissue": ("files", "reissue"),
    "render": ("render", "render"),
    "renew": ("renew", "renew"),
    "repaid": ("files", "repaid"),
    "search": ("files", "search"),
    "sign": ("sign", "sign"),
    "signer": ("signer", "signer"),
    "subrogate": ("files", "subrogate"),
    "token": ("token", "token"),
    "transfer": ("files", "transfer"),
    "tsa": ("tsa", "tsa"),
    "user": ("user", "user"),
    "verify": ("verify", "verify"),
    "webhook": ("webhook", "webhook"),
    "worker": ("worker", "worker"),
}


#: Entry points of packages above ``pdfsign`` that add commands (``pdfsign web`` comes from
#: ``webui``, which ``pdfsign`` itself never imports: the layers point one way).
PLUGIN_GROUP = "pdfsign.commands"


def _plugins() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=PLUGIN_GROUP)}


class _Group(click.Group):
    """A group whose subcommands load on first use and all run inside the error boundary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*_COMMANDS, *_plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _COMMANDS:
            module, attribute = _COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"pdfsign.cli.{module}"), attribute)
        elif cmd_name in (plugins := _plugins()):
            command = plugins[cmd_name].load()
        else:
            return None
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
