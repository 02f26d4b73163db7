"""What a time-stamp request must be before it is signed: decoding and the RFC 3161 checks.

Each check names the request part, the ``PKIFailureInfo`` bit and the reason (RFC 3161
§2.4.1-2.4.2); :class:`tsa.authority.TimeStampAuthority` runs them in order and answers the
first refusal as a ``rejection``.  Decoding is here too: what counts as "not a request"
(badDataFormat) and what as "an algorithm we refuse" (badAlg) is part of the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asn1crypto import tsp

__all__ = ["ACCEPTED_DIGESTS", "CHECKS", "Rejection", "decode_request"]

#: Message-imprint algorithms we time-stamp, with their digest length in bytes.
#: MD5 and SHA-1 are refused (badAlg): they no longer bind a document.
ACCEPTED_DIGESTS: dict[str, int] = {"sha256": 32, "sha384": 48, "sha512": 64}


@dataclass(frozen=True)
class Rejection:
    """Why a request is refused: the check, its PKIFailureInfo bit and a status string."""

    check: str
    failure: str
    reason: str


Check = Callable[[Any, str], "Rejection | None"]


def _check_version(req: Any, policy: str) -> Rejection | None:
    # RFC 3161 §2.4.1: "The version field (currently v1) describes the version of the
    # Time-Stamp request."  OpenSSL answers other versions with badRequest too.
    if req["version"].native != "v1":
        return Rejection("version", "bad_request",
                         f"version: unsupported request version {int(req['version'])}, expected 1")
    return None


def _check_algorithm(req: Any, policy: str) -> Rejection | None:
    # RFC 3161 §2.4.1: the TSA refuses a hash algorithm it does not know or accept with
    # badAlg; RFC 5816 / ETSI EN 319 422 §5.2.1 expect SHA-2 only.
    name = req["message_imprint"]["hash_algorithm"]["algorithm"].native
    if name not in ACCEPTED_DIGESTS:
        accepted = ", ".join(ACCEPTED_DIGESTS)
        return Rejection("hash-algorithm", "bad_alg",
                         f"messageImprint.hashAlgorithm: {name} is not accepted ({accepted})")
    # RFC 5754 §2 (SHA-2 parameters absent or NULL) is enforced when decoding: asn1crypto
    # refuses other parameters for these algorithms, so the request is badDataFormat.
    return None


def _check_imprint_length(req: Any, policy: str) -> Rejection | None:
    # RFC 3161 §2.4.1: "The length of the hashed message SHOULD correspond to the length
    # of the hash algorithm"; we make it a MUST (badDataFormat, as OpenSSL does).
    imprint = req["message_imprint"]
    name = imprint["hash_algorithm"]["algorithm"].native
    length = len(imprint["hashed_message"].native)
    if length != ACCEPTED_DIGESTS[name]:
        return Rejection("imprint-length", "bad_data_format",
                         f"messageImprint.hashedMessage: {length} bytes, but {name} digests "
                         f"are {ACCEPTED_DIGESTS[name]} bytes")
    return None


def _check_policy(req: Any, policy: str) -> Rejection | None:
    # RFC 3161 §2.4.1: reqPolicy "indicates the TSA policy under which the TimeStampToken
    # SHOULD be provided"; a policy we do not serve is unacceptedPolicy.
    requested = req["req_policy"].dotted if req["req_policy"].native is not None else None
    if requested is not None and requested != policy:
        return Rejection("policy", "unaccepted_policy",
                         f"reqPolicy: {requested} is not served (this TSA serves {policy})")
    return None


def _check_extensions(req: Any, policy: str) -> Rejection | None:
    # RFC 3161 §2.4.1: "If an extension ... is not recognized by the server, the server SHALL
    # not issue a token and SHALL return a failure (unacceptedExtension)."  We know none.
    extensions = req["extensions"]
    if extensions.native is not None and len(extensions) > 0:
        oids = ", ".join(ext["extn_id"].dotted for ext in extensions)
        return Rejection("extensions", "unaccepted_extensions",
                         f"extensions: not supported ({oids})")
    return None


#: The request checks, in order; the first refusal wins.
CHECKS: tuple[Check, ...] = (
    _check_version,
    _check_algorithm,
    _check_imprint_length,
    _check_policy,
    _check_extensions,
)


#: What asn1crypto raises on bytes it cannot decode.  Not only ValueError: forcing a lazily
#: parsed value can end in AttributeError (universal types such as REAL have no ``native``),
#: IndexError (an empty BIT STRING), KeyError, OverflowError or, for deep nesting,
#: RecursionError.  Each means "not a well-formed TimeStampReq", i.e. badDataFormat.
_DECODE_ERRORS = (ValueError, TypeError, OverflowError, AttributeError, IndexError, KeyError,
                  RecursionError)


def _not_der(exc: BaseException) -> Rejection:
    return Rejection("decode", "bad_data_format",
                      f"TimeStampReq: not a DER time-stamp request ({type(exc).__name__}: {exc})")


def _check_oid_encoding(contents: bytes | None) -> Rejection | None:
    """X.690 §8.19.2: each subidentifier is base-128, minimal (no leading 0x80 byte), its last
    byte with bit 8 clear.  asn1crypto silently drops a truncated last subidentifier, which
    would turn a broken OID into another, valid-looking one."""
    data = contents or b""
    starts = [0] + [i + 1 for i, byte in enumerate(data[:-1]) if not byte & 0x80]
    if not data or data[-1] & 0x80 or any(data[i] == 0x80 for i in starts):
        return Rejection("decode", "bad_data_format",
                         f"messageImprint.hashAlgorithm: the algorithm OID {data.hex()} is "
                         f"not a well-formed OBJECT IDENTIFIER (X.690 §8.19)")
    return None


def decode_request(request_der: bytes) -> tuple[Any, Rejection | None]:
    """Parse a request, judging the hash algorithm before anything that depends on it.

    The parameters of an algorithm asn1crypto does not know are decoded as ``Any``, which
    reads any garbage (and may fail to); so an unknown or refused algorithm is badAlg
    (RFC 3161 §2.4.1) before they are looked at, and the rest is forced only after.
    """
    try:
        req = tsp.TimeStampReq.load(request_der, strict=True)
        oid = req["message_imprint"]["hash_algorithm"]["algorithm"]
        refused = _check_oid_encoding(oid.contents) or _check_algorithm(req, "")
    except _DECODE_ERRORS as exc:
        return None, _not_der(exc)
    if refused is not None:
        return None, refused
    try:
        req.native  # noqa: B018 - asn1crypto parses lazily; force every field now
    except _DECODE_ERRORS as exc:
        return None, _not_der(exc)
    return req, None
