"""The machine-readable report, versioned by ``verify/report.schema.json``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from verify.report import (
    SCHEMA_VERSION,
    CertSummary,
    DocumentReport,
    RevocationSummary,
    ServiceFailure,
    SignatureFinding,
    TimestampFinding,
    VerificationRun,
)

__all__ = ["render_json", "to_document"]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _chain(chain: tuple[CertSummary, ...]) -> list[dict[str, Any]]:
    return [{"subject": c.subject, "issuer": c.issuer, "serial": c.serial,
             "not_before": _time(c.not_before), "not_after": _time(c.not_after),
             "sha256": c.sha256} for c in chain]


def _unreachable(failures: tuple[ServiceFailure, ...]) -> list[dict[str, str]]:
    return [{"url": f.url, "kind": f.kind, "reason": f.reason} for f in failures]


def _revocation(r: RevocationSummary) -> dict[str, Any]:
    return {"status": r.status, "sources": list(r.sources), "revoked_at": _time(r.revoked_at),
            "unreachable": _unreachable(r.unreachable)}


def _signature(s: SignatureFinding) -> dict[str, Any]:
    return {
        "id": s.id, "field": s.field, "signer": s.signer, "verdict": s.verdict.value,
        "indication": s.indication, "subindication": s.subindication, "reason": s.reason,
        "intact": s.intact, "byte_range": list(s.byte_range), "coverage": s.coverage,
        "revision": s.revision, "chain": _chain(s.chain), "revocation": _revocation(s.revocation),
        "claimed_time": _time(s.claimed_time), "best_signature_time": _time(s.best_signature_time),
        "level": s.level.value if s.level else None, "certified": s.certified,
        "changes": {"kind": s.changes.kind, "signed_revision": s.changes.signed_revision,
                    "last_revision": s.changes.last_revision, "detail": s.changes.detail},
        "validity": {k: v.value for k, v in s.validity.items()},
        "timestamps": list(s.timestamps),
    }


def _timestamp(t: TimestampFinding) -> dict[str, Any]:
    return {
        "id": t.id, "kind": t.kind, "tsa": t.tsa, "time": _time(t.time), "intact": t.intact,
        "indication": t.indication, "subindication": t.subindication, "reason": t.reason,
        "chain": _chain(t.chain), "revocation": _revocation(t.revocation),
        "byte_range": list(t.byte_range) if t.byte_range is not None else None,
        "covers_whole_file": t.covers_whole_file, "revision": t.revision,
        "validity": {k: v.value for k, v in t.validity.items()},
        "verifiable_until": _time(t.verifiable_until),
    }


def to_document(d: DocumentReport) -> dict[str, Any]:
    """One file's report as plain JSON data (the ``documents[]`` item of the schema)."""
    return {
        "path": d.path, "size": d.size, "verdict": d.verdict.value,
        "level": d.level.value if d.level else None,
        "required": d.required.value if d.required else None,
        "requirement_met": d.requirement_met, "ok": d.ok,
        "indication": d.indication, "subindication": d.subindication, "reason": d.reason,
        "unreachable": _unreachable(d.unreachable),
        "validated_at": _time(d.validated_at),
        "best_signature_time": _time(d.best_signature_time),
        "renewal_due": _time(d.renewal_due),
        "reference_times": [{"id": r.id, "kind": r.kind, "time": _time(r.time)}
                            for r in d.reference_times],
        "signatures": [_signature(s) for s in d.signatures],
        "timestamps": [_timestamp(t) for t in d.timestamps],
    }


def render_json(run: VerificationRun) -> str:
    """The whole run as JSON text (UTF-8, Japanese names unescaped)."""
    data = {"schema_version": SCHEMA_VERSION, "validated_at": _time(run.validated_at),
            "ok": run.ok, "documents": [to_document(d) for d in run.documents]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
