"""``/api/v1/batches/<job_id>``: a batch job's progress, for staff and their scripts.

It reads only the database (:class:`pdfsign.batch_jobs.BatchJobs`), like the job's page, so
every web node answers the same while workers on other machines issue the rows.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope
from pdfsign.batch_jobs import BatchJobs
from pdfsign.errors import NotFoundError
from webui.api.blueprint import bp, caller, requires_scope
from webui.context import web

__all__: list[str] = []


@bp.get("/batches/<job_id>")
@requires_scope(Scope.READ)
def batch(job_id: str) -> Response:
    """A batch job's state and its rows' counts (staff only; others: unknown)."""
    if caller().viewer is not None:
        raise NotFoundError(f"no batch job {job_id!r}", field="job")
    context = web()
    job = BatchJobs(context.settings, context.registry).get(job_id)
    return jsonify({"job_id": job.job_id, "filename": job.filename, "status": job.status,
                    "rows": job.rows, "issued": job.issued, "skipped": job.skipped,
                    "failed": job.failed, "finished_rows": job.finished_rows,
                    "runs": job.runs, "created_by": job.created_by,
                    "created_at": job.created_at.isoformat(),
                    "finished_at": job.finished_at.isoformat() if job.finished_at else None})
