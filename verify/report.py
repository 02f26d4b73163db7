"""The verification report: frozen data that every renderer (text, JSON, JUnit, HTML) reads.

Nothing here prints or translates; wording lives in :mod:`verify.messages`, formats in
:mod:`verify.formats`.  The per-document verdict is a property derived from the findings,
so a renderer can never disagree with the exit code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "LEVEL_NAMES",
    "SCHEMA_VERSION",
    "CellStatus",
    "CertSummary",
    "Change",
    "DocumentReport",
    "Level",
    "Problem",
    "ReferenceTime",
    "RevocationSummary",
    "ServiceFailure",
    "SignatureFinding",
    "TimestampFinding",
    "Verdict",
    "VerificationRun",
]

#: Version of the JSON shape (``verify/report.schema.json``); bump on any incompatible change.
SCHEMA_VERSION = "1.1"


class Verdict(enum.Enum):
    """What the report promises about a file; exactly one per document."""

    VALID = "valid"
    INVALID_INTEGRITY = "invalid-integrity"
    MODIFIED_AFTER_SIGNING = "modified-after-signing"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"
    NOT_SIGNED = "not-signed"
    MALFORMED = "malformed"
    INDETERMINATE = "indeterminate"

    @property
    def severity(self) -> int:
        """Rank for "the worst finding decides": higher is worse."""
        return _SEVERITY.index(self)


_SEVERITY = [Verdict.VALID, Verdict.INDETERMINATE, Verdict.UNTRUSTED, Verdict.EXPIRED,
             Verdict.REVOKED, Verdict.MODIFIED_AFTER_SIGNING, Verdict.INVALID_INTEGRITY,
             Verdict.NOT_SIGNED, Verdict.MALFORMED]


class Level(enum.Enum):
    """PAdES baseline levels, weakest first (ES-T ≈ B-T, ES-A = B-LTA)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def rank(self) -> int:
        """Position in the order B-B < B-T < B-LT < B-LTA."""
        return list(Level).index(self)

    @classmethod
    def named(cls, name: str) -> Level:
        """The level a ``--require`` name asks for: a baseline level, or ES-T (B-T) / ES-A (B-LTA).

        :raises ValueError: an unknown name.
        """
        try:
            return _LEVEL_NAMES[name.upper()]
        except KeyError:
            raise ValueError(f"unknown level {name!r} (one of {', '.join(LEVEL_NAMES)})") from None


#: Every name :meth:`Level.named` accepts: the product's ES-T/ES-A and the PAdES baseline names.
_LEVEL_NAMES: dict[str, Level] = {"ES-T": Level.B_T, "ES-A": Level.B_LTA,
                                  **{level.value: level for level in Level}}
LEVEL_NAMES: tuple[str, ...] = tuple(_LEVEL_NAMES)


class CellStatus(enum.Enum):
    """Validity of one signature or timestamp at one reference time (one matrix cell)."""

    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    REVOKED = "revoked"
    UNTRUSTED = "untrusted"
    NO_REVOCATION_DATA = "no-revocation-data"
    INVALID_INTEGRITY = "invalid-integrity"
    NOT_APPLICABLE = "not-applicable"
    INDETERMINATE = "indeterminate"


@dataclass(frozen=True)
class CertSummary:
    """One certificate of a chain, leaf first, ending at the trust anchor."""

    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str


@dataclass(frozen=True)
class ServiceFailure:
    """A revocation service (CRL or OCSP URL) that could not be asked, and why."""

    url: str
    kind: str
    """``crl`` or ``ocsp``."""
    reason: str
    """What went wrong, e.g. ``connection refused``, ``status code 503``."""


@dataclass(frozen=True)
class RevocationSummary:
    """Revocation status of a leaf certificate and where the evidence came from."""

    status: str
    """``good``, ``revoked``, ``unknown`` (no usable data) or ``not-checked``."""
    sources: tuple[str, ...]
    """Any of ``dss`` (embedded), ``signature`` (in the CMS), ``supplied`` (``--crl``/``--ocsp``),
    ``fetched`` (online); empty when nothing was found."""
    revoked_at: datetime | None = None
    unreachable: tuple[ServiceFailure, ...] = ()
    """Services that failed while this item was checked; it was then judged with the data
    of the file and the supplied files alone (ETSI EN 319 102-1 long-term validation: the
    signature's own and supplied data come first, fetching only adds)."""


@dataclass(frozen=True)
class ReferenceTime:
    """A validation reference time (検証基準時刻): a matrix column."""

    id: str
    kind: str
    """``validation`` (now or ``--at``), ``signature-timestamp`` or ``document-timestamp``."""
    time: datetime


@dataclass(frozen=True)
class Change:
    """What a later revision changed relative to a signature's signed revision."""

    kind: str
    """``none``, ``ltv-updates``, ``form-filling``, ``annotations`` or ``other``."""
    signed_revision: int
    last_revision: int
    detail: str | None = None


@dataclass(frozen=True)
class TimestampFinding:
    """A signature timestamp or a document timestamp, judged on its own."""

    id: str
    kind: str
    """``signature-timestamp`` or ``document-timestamp``."""
    tsa: str
    time: datetime
    intact: bool
    """Its own signature verifies and its message imprint matches what it stamps."""
    indication: str
    subindication: str | None
    reason: str | None
    chain: tuple[CertSummary, ...]
    revocation: RevocationSummary
    byte_range: tuple[int, ...] | None
    covers_whole_file: bool | None
    revision: int | None
    validity: dict[str, CellStatus]
    """Matrix row: reference-time id → cell status."""
    verifiable_until: datetime | None
    """The TSA certificate's expiry: renew (add a new archive timestamp) before this."""

    @property
    def ok(self) -> bool:
        """True when this timestamp may count towards a level."""
        return self.intact and self.indication == "TOTAL_PASSED"


@dataclass(frozen=True)
class SignatureFinding:
    """One signature: who, how it verified, what changed after it, and its matrix row."""

    id: str
    field: str
    signer: str
    verdict: Verdict
    indication: str
    subindication: str | None
    reason: str | None
    intact: bool
    byte_range: tuple[int, ...]
    coverage: str
    """``entire-file``, ``entire-revision``, ``contiguous-block`` or ``unclear``."""
    revision: int
    chain: tuple[CertSummary, ...]
    revocation: RevocationSummary
    claimed_time: datetime | None
    best_signature_time: datetime | None
    level: Level | None
    changes: Change
    certified: bool
    validity: dict[str, CellStatus]
    timestamps: tuple[str, ...]
    """Ids of this signature's signature timestamps (in the document's ``timestamps``)."""


@dataclass(frozen=True)
class Problem:
    """Why a file could not be judged signature by signature (malformed, not signed)."""

    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class DocumentReport:
    """The verification report of one file."""

    path: str
    size: int
    validated_at: datetime
    problem: Problem | None
    signatures: tuple[SignatureFinding, ...]
    timestamps: tuple[TimestampFinding, ...]
    reference_times: tuple[ReferenceTime, ...]
    required: Level | None

    @property
    def verdict(self) -> Verdict:
        """The worst finding: the problem, any signature's verdict or a failed timestamp."""
        if self.problem is not None:
            return self.problem.verdict
        if not self.signatures:
            return Verdict.NOT_SIGNED
        worst = max((s.verdict for s in self.signatures), key=lambda v: v.severity)
        if any(not t.intact for t in self.timestamps):
            return max(worst, Verdict.INVALID_INTEGRITY, key=lambda v: v.severity)
        if worst is Verdict.VALID and any(not t.ok for t in self.timestamps):
            return Verdict.INDETERMINATE
        return worst

    @property
    def level(self) -> Level | None:
        """The level of the weakest signature, ``None`` unless every signature is valid."""
        if self.verdict is not Verdict.VALID:
            return None
        levels = [s.level for s in self.signatures]
        if any(lv is None for lv in levels):
            return None
        return min((lv for lv in levels if lv is not None), key=lambda lv: lv.rank)

    @property
    def requirement_met(self) -> bool:
        """Valid, and at least the level asked for with ``--require``."""
        level = self.level
        if level is None:
            return False
        return self.required is None or level.rank >= self.required.rank

    @property
    def ok(self) -> bool:
        """What the exit code reports for this file."""
        return self.verdict is Verdict.VALID and self.requirement_met

    @property
    def indication(self) -> str:
        """ETSI EN 319 102-1 main indication for the whole document."""
        if self.verdict is Verdict.VALID:
            return "TOTAL_PASSED"
        failed = {s.indication for s in self.signatures} | {t.indication for t in self.timestamps}
        if self.verdict in (Verdict.MALFORMED, Verdict.NOT_SIGNED) or "TOTAL_FAILED" in failed \
                or self.verdict in (Verdict.INVALID_INTEGRITY, Verdict.MODIFIED_AFTER_SIGNING):
            return "TOTAL_FAILED"
        return "INDETERMINATE"

    @property
    def subindication(self) -> str | None:
        """The ETSI sub-indication of the finding that decided the verdict."""
        if self.verdict is Verdict.VALID:
            return None
        if self.verdict is Verdict.MALFORMED:
            return "FORMAT_FAILURE"
        if self.verdict is Verdict.NOT_SIGNED:
            return "SIGNED_DATA_NOT_FOUND"
        items: list[SignatureFinding | TimestampFinding] = [*self.signatures, *self.timestamps]
        for item in items:
            if item.subindication is not None:
                return item.subindication
        if self.verdict is Verdict.MODIFIED_AFTER_SIGNING:
            return "FORMAT_FAILURE"
        return "GENERIC"

    @property
    def reason(self) -> str | None:
        """The first reason given by a problem, a signature or a timestamp."""
        if self.problem is not None:
            return self.problem.reason
        items: list[SignatureFinding | TimestampFinding] = [*self.signatures, *self.timestamps]
        for item in items:
            if item.reason:
                return item.reason
        return None

    @property
    def unreachable(self) -> tuple[ServiceFailure, ...]:
        """Every revocation service that could not be asked for this file, each once."""
        items: list[SignatureFinding | TimestampFinding] = [*self.signatures, *self.timestamps]
        return tuple(dict.fromkeys(f for item in items for f in item.revocation.unreachable))

    @property
    def best_signature_time(self) -> datetime | None:
        """The earliest time any signature is proven to have existed."""
        times = [s.best_signature_time for s in self.signatures if s.best_signature_time]
        return min(times) if times else None

    @property
    def renewal_due(self) -> datetime | None:
        """Until when the newest archive (document) timestamp stays verifiable."""
        docts = [t for t in self.timestamps if t.kind == "document-timestamp" and t.ok]
        if not docts:
            return None
        return max(docts, key=lambda t: t.time).verifiable_until


@dataclass(frozen=True)
class VerificationRun:
    """All files of one ``pdfsign verify`` call, in input order."""

    documents: tuple[DocumentReport, ...]
    validated_at: datetime

    @property
    def ok(self) -> bool:
        """Exit 0 only when every file is valid and meets ``--require``."""
        return bool(self.documents) and all(d.ok for d in self.documents)
