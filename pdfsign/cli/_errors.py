"""The CLI's one error boundary: known errors become a message and an exit code, no traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from pdfsign.errors import describe

__all__ = ["UNEXPECTED_EXIT_CODE", "error_boundary"]

UNEXPECTED_EXIT_CODE = 70  # EX_SOFTWARE
_log = logging.getLogger("pdfsign.cli")


@contextmanager
def error_boundary(*, verbose: bool) -> Iterator[None]:
    """Run a command; report any error the way :func:`pdfsign.errors.describe` says.

    Unexpected errors are logged (with traceback only under ``--verbose``) and exit 70.
    """
    try:
        yield
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:  # the boundary: everything else ends here
        problem = describe(exc)
        if problem is None:
            _log.error("unexpected error: %s", exc, exc_info=verbose)
            click.echo(f"error: unexpected {type(exc).__name__}: {exc}", err=True)
            sys.exit(UNEXPECTED_EXIT_CODE)
        if verbose:
            _log.exception("%s", problem.message)
        click.echo(f"error: {problem.message}", err=True)
        sys.exit(problem.exit_code)
