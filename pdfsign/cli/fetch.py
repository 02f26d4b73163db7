"""``pdfsign fetch --config FILE``: the bulk download tool (:mod:`pdfsign.fetch`) from the
main command line; the same function as the standalone ``pdfsign-fetch``, the same log
lines and exit codes (README, "Bulk download tool")."""

from __future__ import annotations

from pathlib import Path

import click

from pdfsign.fetch import DEFAULT_CONFIG, run

__all__ = ["fetch"]


@click.command("fetch")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CONFIG, show_default=True, metavar="FILE",
              help="The settings file (TOML): service_url, user_id, password or token, "
                   "output_dir, log_dir, …")
@click.pass_context
def fetch(ctx: click.Context, config: Path) -> None:
    """Download every file uploaded since the last run that the user may see, with a CSV
    list of them (a head office's nightly pull)."""
    ctx.exit(run(config))
