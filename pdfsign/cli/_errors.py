"""The CLI's one error boundary: known errors become a message and an exit code, no traceback."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from pdfsign.errors import Problem, describe

__all__ = ["UNEXPECTED_EXIT_CODE", "error_boundary"]

UNEXPECTED_EXIT_CODE = 70  # EX_SOFTWARE
_log = logging.getLogger("pdfsign.cli")


@contextmanager
def error_boundary(*, verbose: bool, as_json: bool = False) -> Iterator[None]:
    """Run a command; report any error the way :func:`pdfsign.errors.describe` says.

    The message goes to standard error; under ``--json`` the problem (with its stable
    ``reason`` token, so scripts tell refusals apart) is also printed to standard output.
    Unexpected errors are logged (with traceback only under ``--verbose``) and exit 70.

    :param as_json: the command was given ``--json``.
    """
    try:
        yield
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:  # the boundary: everything else ends here
        problem = describe(exc)
        if problem is None:
            _log.error("unexpected error: %s", exc, exc_info=verbose)
            problem = Problem(f"unexpected {type(exc).__name__}: {exc}", UNEXPECTED_EXIT_CODE,
                              500, "unexpected")
        elif verbose:
            _log.exception("%s", problem.message)
        click.echo(f"error: {problem.message}", err=True)
        if as_json:
            click.echo(json.dumps(problem.to_json(), ensure_ascii=False, indent=2))
        sys.exit(problem.exit_code)
