"""The two signature levels the product issues, and how to read them from user input.

The domain (``DOMAIN.md``) speaks of ES-T and ES-A, the Japanese names of the
CAdES/PAdES forms; the PDF world calls them PAdES baseline B-T and B-LTA
(ETSI EN 319 142-1 §6.3).  Both use the SubFilter ``ETSI.CAdES.detached``.
"""

from __future__ import annotations

import enum

from pdfsign.errors import InputError

__all__ = ["Level", "parse_level"]


class Level(enum.Enum):
    """A signature level: what the signed PDF carries besides the signature."""

    #: PAdES B-T: the CAdES signature plus an RFC 3161 signature time-stamp.
    ES_T = "ES-T"
    #: PAdES B-LTA: B-T plus a DSS holding the certificates, CRLs and OCSP responses of the
    #: signer's and the TSA's chains, sealed by a document time-stamp.
    ES_A = "ES-A"

    @property
    def pades_name(self) -> str:
        """The ETSI baseline name of the level, for reports and logs."""
        return {Level.ES_T: "PAdES B-T", Level.ES_A: "PAdES B-LTA"}[self]

    @property
    def long_term(self) -> bool:
        """Whether validation data and a document time-stamp are added (B-LTA)."""
        return self is Level.ES_A


_ALIASES: dict[str, Level] = {
    "ES-T": Level.ES_T, "EST": Level.ES_T, "B-T": Level.ES_T, "PADES-B-T": Level.ES_T,
    "ES-A": Level.ES_A, "ESA": Level.ES_A, "B-LTA": Level.ES_A, "PADES-B-LTA": Level.ES_A,
}


def parse_level(text: str) -> Level:
    """Read a level as users write it: ``ES-T``/``ES-A`` (or ``B-T``/``B-LTA``), any case.

    :param text: the level as typed, e.g. ``"es-a"``.
    :return: the :class:`Level`.
    :raises InputError: naming the field ``level`` and the accepted spellings.
    """
    key = text.strip().upper().replace("_", "-").replace(" ", "-")
    try:
        return _ALIASES[key]
    except KeyError:
        raise InputError(
            f"unknown signature level {text!r}; use ES-T (PAdES B-T) or ES-A (PAdES B-LTA)",
            field="level",
        ) from None
