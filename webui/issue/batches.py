"""Batch issuing in the browser: upload a CSV or JSONL file, watch it run, download the results.

A web worker never issues a batch: :class:`pdfsign.batch_jobs.BatchJobs` keeps the upload
and starts ``pdfsign issue --job`` detached, with its own worker pool, and every page only
reads the job from the registry — so a restarted web server shows the same progress, and a
job whose process died (the machine rebooted) says so and may be resumed with the PIN.  The
signing PIN is checked before anything starts, handed to the job's process once, and never
kept.  Issuers and administrators run batches; auditors see them.
"""

from __future__ import annotations

import os

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import STAFF, Role
from pdfsign.batch import results_csv, results_jsonl
from pdfsign.batch_jobs import BatchJob, BatchJobs
from pdfsign.errors import ConflictError, InputError, PdfsignError, PermissionDenied, describe
from webui.access import requires
from webui.context import web
from webui.errors import field_errors
from webui.uploads import file_limit

__all__ = ["RUNNERS", "register"]

#: Who may start or resume a batch (everyone on staff may look).
RUNNERS = frozenset({Role.ADMIN, Role.ISSUER})
#: Worker processes per job, unless the app's ``PDFSIGN_BATCH_WORKERS`` says otherwise.
_DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
#: Failed rows listed on the job page (all of them are in the results file).
_SHOWN_FAILURES = 100
_RESULTS = {"jsonl": (results_jsonl, "application/x-ndjson"),
            "csv": (results_csv, "text/csv; charset=utf-8")}
#: Errors shown beside the form's fields rather than on an error page.
_FORM_ERRORS = (InputError, PermissionDenied, ConflictError)


def register(bp: Blueprint) -> None:
    """Add the batch pages to the ``issue`` blueprint."""
    bp.add_url_rule("/batches", "batches", batches, methods=["GET"])
    bp.add_url_rule("/batches", "batch_upload", upload, methods=["POST"])
    bp.add_url_rule("/batches/<job_id>", "batch", batch)
    bp.add_url_rule("/batches/<job_id>/results.<any(jsonl, csv):fmt>", "batch_results",
                    results)
    bp.add_url_rule("/batches/<job_id>/resume", "batch_resume", resume, methods=["POST"])


def _jobs() -> BatchJobs:
    context = web()
    return BatchJobs(context.settings, context.registry)


def _workers() -> int:
    workers: int = current_app.config.get("PDFSIGN_BATCH_WORKERS", _DEFAULT_WORKERS)
    return workers


def _list_page(errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return render_template("web/issue/batches.html", jobs=_jobs().recent(), errors=errors,
                           may_run=g.user.role in RUNNERS,
                           limit_mb=file_limit() // (1024 * 1024)), status


def _job_page(job: BatchJob, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    failures = _jobs().results(job.job_id, status="failed", limit=_SHOWN_FAILURES + 1)
    return render_template("web/issue/batch.html", job=job, errors=errors,
                           failures=failures[:_SHOWN_FAILURES],
                           more=len(failures) > _SHOWN_FAILURES,
                           may_run=g.user.role in RUNNERS), status


def _refused(exc: PdfsignError) -> tuple[dict[str, str], int]:
    """The error beside its field, with the core's HTTP status."""
    problem = describe(exc)
    return field_errors(exc), problem.http_status if problem else 400


def _pin() -> str:
    """The typed PIN, as typed (every character belongs to it; never stored or logged)."""
    return request.form.get("pin", "")


@requires(STAFF)
def batches() -> tuple[str, int]:
    """The recent batch jobs and, for issuers and administrators, the upload form."""
    return _list_page({})


@requires(RUNNERS)
def upload() -> Response | tuple[str, int]:
    """Keep the uploaded file as a job, start its process, and show its progress page."""
    uploaded = request.files.get("file")
    errors = {}
    if uploaded is None or not uploaded.filename:
        errors["file"] = "CSVかJSONLのファイルを選んでください / choose a CSV or JSONL file"
    if not _pin():
        errors["pin"] = "署名PINを入力してください / type the signing PIN"
    if errors:
        return _list_page(errors, 400)
    assert uploaded is not None
    assert uploaded.filename
    context = web()
    try:
        job = _jobs().submit(uploaded.filename, uploaded.read(), pin=_pin(),
                             workers=_workers(), actor=g.user.user_id, at=context.now())
    except _FORM_ERRORS as exc:
        return _list_page(*_refused(exc))
    return redirect(url_for("issue.batch", job_id=job.job_id), 303)


@requires(STAFF)
def batch(job_id: str) -> tuple[str, int]:
    """A job's progress (refreshing itself while it runs), its failed rows, its downloads."""
    return _job_page(_jobs().get(job_id), {})


@requires(STAFF)
def results(job_id: str, fmt: str) -> Response:
    """The results file: one line per row with its status, file ID, version or reason."""
    render, mimetype = _RESULTS[fmt]
    name = f"batch-{job_id}-results.{fmt}"
    return Response(render(_jobs().results(job_id)), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@requires(RUNNERS)
def resume(job_id: str) -> Response | tuple[str, int]:
    """Start a dead or failed job again with the PIN; the rows it issued are not run again."""
    jobs = _jobs()
    job = jobs.get(job_id)
    if not _pin():
        return _job_page(job, {"pin": "署名PINを入力してください / type the signing PIN"}, 400)
    if not job.resumable:
        return _job_page(job, {"_form": "このバッチは再開できません（実行中か完了済み） / only a "
                                        "stopped or failed batch can be resumed"}, 409)
    try:
        jobs.resume(job_id, pin=_pin(), workers=_workers(), actor=g.user.user_id,
                    at=web().now())
    except _FORM_ERRORS as exc:
        return _job_page(jobs.get(job_id), *_refused(exc))
    return redirect(url_for("issue.batch", job_id=job_id), 303)
