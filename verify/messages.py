"""All wording of the human-readable reports, Japanese first, English available.

Keys are the report's own keywords (verdicts, cell statuses, change kinds, revocation sources)
plus labels; every renderer asks here, so ja/en text lives in exactly one place.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "Lang", "message"]

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")

_MESSAGES: dict[str, tuple[str, str]] = {
    # verdicts
    "verdict.valid": ("有効", "valid"),
    "verdict.invalid-integrity": ("改ざん検知（署名対象または署名値が不一致）",
                                  "integrity failure (signed bytes or signature value)"),
    "verdict.modified-after-signing": ("署名後に変更あり", "modified after signing"),
    "verdict.revoked": ("証明書失効", "certificate revoked"),
    "verdict.expired": ("証明書有効期限切れ", "certificate expired"),
    "verdict.untrusted": ("信頼できない証明書（信頼点への経路なし）",
                          "untrusted (no path to a trusted root)"),
    "verdict.not-signed": ("署名なし", "not signed"),
    "verdict.malformed": ("ファイル破損・解析不能", "malformed"),
    "verdict.indeterminate": ("判定不能", "indeterminate"),
    # matrix cells
    "cell.valid": ("有効", "valid"),
    "cell.expired": ("期限切れ", "expired"),
    "cell.not-yet-valid": ("有効期間前", "not yet valid"),
    "cell.revoked": ("失効", "revoked"),
    "cell.untrusted": ("信頼不可", "untrusted"),
    "cell.no-revocation-data": ("失効情報なし", "no revocation data"),
    "cell.invalid-integrity": ("改ざん", "integrity failure"),
    "cell.not-applicable": ("—", "—"),
    "cell.indeterminate": ("不明", "indeterminate"),
    # changes after signing
    "change.none": ("変更なし", "none"),
    "change.ltv-updates": ("長期検証情報の追加のみ", "long-term validation updates only"),
    "change.form-filling": ("フォーム入力", "form filling"),
    "change.annotations": ("注釈の追加", "annotations"),
    "change.other": ("その他の変更", "other changes"),
    # revocation
    "revocation.good": ("失効していない", "not revoked"),
    "revocation.revoked": ("失効", "revoked"),
    "revocation.unknown": ("確認できず", "unknown"),
    "revocation.not-checked": ("未確認", "not checked"),
    "source.dss": ("PDF内(DSS)", "embedded (DSS)"),
    "source.supplied": ("指定ファイル", "supplied"),
    "source.fetched": ("オンライン取得", "fetched"),
    "source.signature": ("署名内", "in the signature"),
    "unreachable": ("接続できない失効確認サービス", "revocation services unreachable"),
    "unreachable-title": ("接続できない失効確認サービス", "Revocation services unreachable"),
    "unreachable-note": ("PDF内(DSS)と指定ファイルの失効情報だけで検証しました",
                         "validated with the revocation data in the file and the supplied "
                         "files only"),
    # reference time kinds
    "ref.validation": ("検証時刻", "validation time"),
    "ref.signature-timestamp": ("署名タイムスタンプ時刻", "signature timestamp"),
    "ref.document-timestamp": ("文書タイムスタンプ時刻", "document timestamp"),
    # labels
    "title": ("署名検証レポート", "Signature verification report"),
    "file": ("ファイル", "File"),
    "verdict": ("判定", "Verdict"),
    "level": ("署名レベル", "Level"),
    "required": ("要求レベル", "Required level"),
    "met": ("充足", "met"),
    "not-met": ("不足", "not met"),
    "indication": ("ETSI判定", "ETSI indication"),
    "reason": ("理由", "Reason"),
    "signature": ("署名", "Signature"),
    "signature-timestamp": ("署名タイムスタンプ", "Signature timestamp"),
    "document-timestamp": ("文書タイムスタンプ", "Document timestamp"),
    "signer": ("署名者", "Signer"),
    "tsa": ("時刻認証局", "TSA"),
    "time": ("時刻", "Time"),
    "chain": ("証明書チェーン", "Certificate chain"),
    "revocation": ("失効確認", "Revocation"),
    "integrity": ("完全性", "Integrity"),
    "intact": ("改ざんなし", "intact"),
    "broken": ("不一致", "broken"),
    "coverage": ("署名範囲", "Coverage"),
    "byte-range": ("ByteRange", "ByteRange"),
    "changes": ("署名後の変更", "Changes after signing"),
    "certified": ("認証署名（DocMDPで許可された変更のみ可）",
                  "certification signature (only DocMDP-permitted changes)"),
    "revisions": ("版", "revisions"),
    "reference-times": ("検証基準時刻", "Validation reference times"),
    "matrix": ("基準時刻ごとの有効性", "Validity at each reference time"),
    "best-signature-time": ("署名存在証明時刻", "Best signature time"),
    "renewal-due": ("アーカイブタイムスタンプ有効期限（更新期限）",
                    "Newest archive timestamp verifiable until (renew before)"),
    "summary": ("集計", "Summary"),
    "files-valid": ("有効なファイル", "valid files"),
    "none": ("なし", "none"),
    # byte-range coverage
    "coverage.entire-file": ("ファイル全体", "entire file"),
    "coverage.entire-revision": ("署名時の版の全体", "entire signed revision"),
    "coverage.contiguous-block": ("連続した一部のみ", "contiguous block only"),
    "coverage.unclear": ("不明確", "unclear"),
    # the auditor's report (HTML/PDF)
    "overview": ("検証結果一覧", "Overview"),
    "number": ("番号", "No."),
    "timestamps": ("タイムスタンプ", "Timestamps"),
    "matrix-legend": ("行は署名とタイムスタンプ、列は検証基準時刻を示します。",
                      "Rows are signatures and timestamps; columns are reference times."),
    "generated-by": ("pdfsign verify により作成", "Generated by pdfsign verify"),
}


def message(key: str, *, lang: Lang) -> str:
    """The wording of ``key`` in ``lang``; an unknown key is returned as is (never fails)."""
    pair = _MESSAGES.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "ja" else pair[1]
