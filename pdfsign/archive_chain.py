"""Where a file's archive time-stamp chain stands, read from its bytes, and when it is due.

An ES-A stays provable while its newest document time-stamp can be validated: until the
TSA chain of that time-stamp ends, and while its algorithms are strong (ETSI EN 319 102-1
§5.6.2.4; ETSI TS 119 312 for which algorithms stay strong).  Renewal adds a newer one
before either runs out.  This module only *reads* the newest time-stamp's token — no
validation, no network — so the planner can look at every file of the registry cheaply;
``pdfsign verify`` is what judges a file (its report's "renew before" date is the same
end, once validated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

from asn1crypto import cms, x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from pdfsign.errors import ConfigurationError, InputError

__all__ = ["ArchiveState", "archive_state", "due_reasons", "parse_weak_algorithms",
           "signature_time", "token_state"]


@dataclass(frozen=True)
class ArchiveState:
    """The newest document time-stamp of a file, as its token says (not yet validated)."""

    #: The file has at least one document time-stamp (ES-A, PAdES B-LTA).
    es_a: bool
    #: ``genTime`` of the newest document time-stamp.
    newest: datetime | None = None
    #: When its TSA chain ends (the earliest notAfter of the certificates in the token):
    #: renew before this.
    renew_before: datetime | None = None
    #: Its digest and key algorithms: imprint and signer digests, ``rsa2048``-style key.
    algorithms: tuple[str, ...] = ()


def _embedded(pdf: bytes) -> list[EmbeddedPdfSignature]:
    """The signatures of ``pdf``. :raises InputError: ``pdf`` is not a readable PDF."""
    try:
        return list(PdfFileReader(BytesIO(pdf)).embedded_signatures)
    except (PdfError, ValueError, KeyError) as exc:
        raise InputError(f"not a readable PDF: {exc}", field="pdf") from None


def signature_time(pdf: bytes) -> datetime | None:
    """``genTime`` of the first signature's signature time-stamp: when the file was signed, as
    its own token says (not validated; ``pdfsign verify`` judges it).  ``None`` without one.

    :raises InputError: ``pdf`` is not a readable PDF.
    """
    for embedded in _embedded(pdf):
        if embedded.sig_object_type == "/DocTimeStamp":
            continue
        for attribute in embedded.signer_info["unsigned_attrs"] or ():
            if attribute["type"].native == "signature_time_stamp_token":
                token = attribute["values"][0]["content"]
                gen_time: datetime = token["encap_content_info"]["content"].parsed[
                    "gen_time"].native
                return gen_time
    return None


def archive_state(pdf: bytes) -> ArchiveState:
    """Read the newest document time-stamp of ``pdf``.

    :raises InputError: ``pdf`` is not a readable PDF.
    """
    doc_ts = [s for s in _embedded(pdf) if s.sig_object_type == "/DocTimeStamp"]
    if not doc_ts:
        return ArchiveState(es_a=False)
    return token_state(doc_ts[-1].signed_data)


def token_state(token: cms.SignedData) -> ArchiveState:
    """What an RFC 3161 token's own contents say about how long it proves anything: a
    document time-stamp's, or a sample from the TSA a renewal would use."""
    tst_info = token["encap_content_info"]["content"].parsed
    signer_info = token["signer_infos"][0]
    certs = [c.chosen for c in token["certificates"] if isinstance(c.chosen, x509.Certificate)]
    signer = _signer_certificate(certs, signer_info)
    algorithms = {tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native,
                  signer_info["digest_algorithm"]["algorithm"].native}
    if signer is not None:
        algorithms.add(_key_token(signer))
    ends = [c["tbs_certificate"]["validity"]["not_after"].native for c in certs]
    return ArchiveState(es_a=True, newest=tst_info["gen_time"].native,
                        renew_before=min(ends, default=None),
                        algorithms=tuple(sorted(algorithms)))


def _signer_certificate(certs: list[x509.Certificate],
                        signer_info: cms.SignerInfo) -> x509.Certificate | None:
    """The certificate the token's signer info names (RFC 5652 §5.3 sid)."""
    sid = signer_info["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if (cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _key_token(cert: x509.Certificate) -> str:
    """``rsa2048``, ``ec256``: the key's algorithm and size, as the weak list names them."""
    algorithm = cert.public_key.algorithm
    return f"{'ec' if algorithm == 'ec' else algorithm}{cert.public_key.bit_size}"


def parse_weak_algorithms(text: str) -> frozenset[str]:
    """Read the ``weak_algorithms`` setting (:class:`pdfsign.config.Settings`): comma-separated
    names, digests as asn1crypto calls them (``sha1``), keys as ``rsa1024``, ``ec256``.

    :raises ConfigurationError: a name that is not a lower-case algorithm token.
    """
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    bad = [name for name in names if not name.replace("_", "").isalnum()]
    if bad:
        raise ConfigurationError(f"not algorithm names: {', '.join(bad)} (e.g. "
                                 "md5,sha1,rsa1024)", field="weak_algorithms")
    return frozenset(names)


def due_reasons(state: ArchiveState, *, at: datetime, within: timedelta | None,
                weak: frozenset[str]) -> tuple[str, ...]:
    """Why ``state`` needs a new archive time-stamp at ``at``; empty when it does not.

    :param within: the planning window: due when the TSA chain ends before ``at + within``
        (``None``: only weak algorithms make a file due).
    :param weak: the algorithm tokens that count as weak.
    """
    reasons = []
    if within is not None and state.renew_before is not None \
            and state.renew_before <= at + within:
        reasons.append(f"tsa-expiry:{state.renew_before.date().isoformat()}")
    reasons.extend(f"weak-algorithm:{name}" for name in state.algorithms if name in weak)
    return tuple(reasons)
