"""The interface's words in Japanese (first) and English, and the language of a request.

Only labels live here: every rule's message comes from the core, already bilingual, so the
web UI and the CLI say the same thing.  The language is the signed-in user's choice
(remembered in the account), else the anonymous session's, else Japanese.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, g

from pdfsign.registry import JST

__all__ = ["LABELS", "init_app", "jst", "label"]

#: key → (Japanese, English)
LABELS: dict[str, tuple[str, str]] = {
    "app": ("電子保証書 署名・検証", "pdfsign"),
    "skip": ("本文へ移動", "Skip to content"),
    "home": ("ホーム", "Home"),
    "verify": ("署名検証", "Verify"),
    "users": ("利用者管理", "Users"),
    "banks": ("金融機関", "Banks"),
    "audit": ("監査ログ", "Audit trail"),
    "password": ("パスワード", "Password"),
    "sign_in": ("ログイン", "Sign in"),
    "sign_out": ("ログアウト", "Sign out"),
    "sign_out_confirm": ("ログアウトしますか。", "Sign out now?"),
    "signed_in_as": ("ログイン中", "Signed in as"),
    "language": ("言語", "Language"),
    "switch_lang": ("English", "日本語"),
    "user_id": ("ユーザーID", "User ID"),
    "current_password": ("現在のパスワード", "Current password"),
    "new_password": ("新しいパスワード", "New password"),
    "confirm_password": ("新しいパスワード（確認）", "New password (again)"),
    "password_rule": ("8〜16文字で、英字と数字を両方含めてください。",
                      "8 to 16 characters, mixing letters and digits."),
    "change": ("変更する", "Change"),
    "must_change": ("初回または再発行のパスワードです。新しいパスワードを設定してください。",
                    "This is an initial or reset password: choose a new one."),
    "expired": ("パスワードの有効期限が切れました。新しいパスワードを設定してください。",
                "Your password has expired: choose a new one."),
    "second_factor": ("二要素認証", "Second factor"),
    "code": ("確認コード（6桁）または回復コード", "Code (6 digits) or a recovery code"),
    "confirm": ("確認", "Confirm"),
    "enrol": ("二要素認証を設定する", "Set up a second factor"),
    "enrol_required": ("この役割では二要素認証が必要です。設定してください。",
                       "Your role requires a second factor: set one up now."),
    "enrol_steps": ("認証アプリでQRコードを読み取り、表示された6桁のコードを入力してください。",
                    "Scan the QR code with an authenticator app, then type the 6 digits it shows."),
    "secret": ("手入力用のキー", "Key for manual entry"),
    "enrolled": ("二要素認証は設定済みです。", "A second factor is set up."),
    "not_enrolled": ("二要素認証は未設定です。", "No second factor is set up."),
    "re_enrol": ("認証アプリを変更する", "Change the authenticator app"),
    "recovery_codes": ("回復コード", "Recovery codes"),
    "recovery_note": ("各コードは一度だけ使えます。この画面は一度だけ表示されます。安全な場所に"
                      "控えてください。", "Each code works once. This page is shown only "
                      "once: keep the codes somewhere safe."),
    "continue": ("続ける", "Continue"),
    "files_to_verify": ("検証するPDF（複数可）", "PDFs to verify (one or more)"),
    "upload_limit": ("1ファイル{mb} MBまで、{n}ファイルまで。", "Up to {mb} MB a file, {n} files."),
    "run_verify": ("検証する", "Verify"),
    "trust_roots": ("信頼するルート証明書", "Trusted roots"),
    "download": ("レポートのダウンロード", "Download the report"),
    "as_json": ("JSON", "JSON"),
    "as_pdf": ("PDF", "PDF"),
    "as_signed_pdf": ("署名付きPDF（ES-T）", "Signed PDF (ES-T)"),
    "verify_again": ("別のファイルを検証する", "Verify other files"),
    "name": ("氏名", "Name"),
    "email": ("メールアドレス", "E-mail"),
    "role": ("役割", "Role"),
    "bank_code": ("金融機関コード", "Bank code"),
    "branch_code": ("支店コード", "Branch code"),
    "state": ("状態", "State"),
    "add_user": ("利用者を登録する", "Add a user"),
    "add": ("登録する", "Add"),
    "save": ("保存する", "Save"),
    "edit": ("編集", "Edit"),
    "reset_password": ("パスワードを再発行する", "Reset the password"),
    "lock": ("ロックする", "Lock"),
    "unlock": ("ロックを解除する", "Unlock"),
    "deactivate": ("無効にする", "Deactivate"),
    "locked": ("ロック中", "locked"),
    "inactive": ("無効", "inactive"),
    "active": ("有効", "active"),
    "initial_password": ("初期パスワード", "Initial password"),
    "initial_note": ("この画面は一度だけ表示されます。利用者に安全な方法で伝えてください。"
                     "初回ログイン時に変更が必要です。", "This page is shown once: pass the "
                     "password on safely. It must be changed at first sign-in."),
    "back_to_users": ("利用者一覧へ戻る", "Back to the users"),
    "bank_name": ("金融機関名", "Bank name"),
    "agreement_start": ("契約開始日", "Agreement start"),
    "agreement_end": ("契約終了日（空欄は期限なし）", "Agreement end (blank: open-ended)"),
    "set_bank": ("登録・変更する", "Add or change"),
    "no_banks": ("登録された金融機関はありません。", "No banks yet."),
    "actor": ("操作者", "Actor"),
    "action": ("操作", "Action"),
    "file_id": ("ファイルID", "File ID"),
    "date_from": ("開始日", "From"),
    "date_to": ("終了日", "To"),
    "at": ("日時", "Time"),
    "detail": ("詳細", "Detail"),
    "filter": ("絞り込む", "Filter"),
    "chain_ok": ("監査ログの連鎖は健全です", "The audit chain is intact"),
    "chain_bad": ("監査ログが改ざんされています", "The audit chain was altered"),
    "entries": ("件", "entries"),
    "page": ("ページ", "Page"),
    "previous": ("前へ", "Previous"),
    "next": ("次へ", "Next"),
    "error": ("エラー", "Error"),
    "welcome": ("ようこそ", "Welcome"),
    "nothing_here": ("この役割で使える画面は、今後追加されます。",
                     "Pages for your role are coming."),
    "done.saved": ("保存しました。", "Saved."),
    "done.changed": ("パスワードを変更しました。", "Your password was changed."),
    "done.lock": ("ロックしました。", "The account is locked."),
    "done.unlock": ("ロックを解除しました。", "The account is unlocked."),
    "done.deactivate": ("無効にしました。", "The account is deactivated."),
    "role.admin": ("管理者", "Administrator"),
    "role.issuer": ("発行担当", "Issuer"),
    "role.auditor": ("監査担当", "Auditor"),
    "role.bank-head": ("金融機関（本部）", "Bank head office"),
    "role.bank-branch": ("金融機関（支店）", "Bank branch"),
}


def label(key: str, **values: object) -> str:
    """The label ``key`` in the request's language, with ``{name}`` fields filled."""
    ja, en = LABELS[key]
    text = en if getattr(g, "lang", "ja") == "en" else ja
    return text.format(**values) if values else text


def jst(instant: dt.datetime) -> str:
    """A time as staff read it: Japan time, to the second."""
    return instant.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")


def init_app(app: Flask) -> None:
    """Make ``t(key)`` and the ``jst`` filter available to every template."""
    app.jinja_env.globals["t"] = label
    app.jinja_env.filters["jst"] = jst
