"""The document kinds pdfsign issues, with each kind's template, title and signature level."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DocumentKind"]

_TITLES = {
    "guarantee": "信用保証書",
    "guarantee-change": "変更保証書",
    "test-slip": "保証書テスト送信票",
    "invalidation": "保証書無効通知書",
    "invoice": "適格請求書",
    "delegation": "委任状",
}
#: Kinds signed ES-T (PAdES B-T); every other kind is ES-A (B-LTA). See DOMAIN.md.
_ES_T = frozenset({"invalidation", "invoice"})
#: The search/e-mail file kind codes (1 guarantee, 2 condition change, 3 invalidation, 4 test slip).
_FILE_KIND_CODES = {"guarantee": 1, "guarantee-change": 2, "invalidation": 3, "test-slip": 4}


class DocumentKind(StrEnum):
    """A document kind, spelled as in data files' ``"kind"`` field."""

    GUARANTEE = "guarantee"
    GUARANTEE_CHANGE = "guarantee-change"
    TEST_SLIP = "test-slip"
    INVALIDATION = "invalidation"
    INVOICE = "invoice"
    DELEGATION = "delegation"

    @property
    def level(self) -> str:
        """The signature format DOMAIN.md gives this kind: ``"ES-A"`` or ``"ES-T"``."""
        return "ES-T" if self.value in _ES_T else "ES-A"

    @property
    def template(self) -> str:
        """The Jinja template (in ``templates/``) that lays out this kind."""
        name = "guarantee" if self is DocumentKind.GUARANTEE_CHANGE else self.value
        return f"{name.replace('-', '_')}.html"

    @property
    def title_ja(self) -> str:
        """The kind's Japanese name, as printed in titles and listings."""
        return _TITLES[self.value]

    @property
    def date_label_ja(self) -> str:
        """What a certificate's date means: 条件変更決定日 for a change, else 保証日."""
        return "条件変更決定日" if self is DocumentKind.GUARANTEE_CHANGE else "保証日"

    @property
    def file_kind_code(self) -> int | None:
        """The registry's file kind code (1–4); ``None`` outside the guarantee family."""
        return _FILE_KIND_CODES.get(self.value)
