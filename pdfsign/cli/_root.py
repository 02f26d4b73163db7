"""The ``pdfsign`` root command group: global options and the error boundary."""

from __future__ import annotations

import logging

import click

from pdfsign.cli._errors import error_boundary

__all__ = ["root"]


class _Group(click.Group):
    """A group whose subcommands all run inside the error boundary."""

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
