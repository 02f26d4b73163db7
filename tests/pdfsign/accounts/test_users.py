"""Creating and administering accounts: the rules, the one-time password, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from accounts_samples import ADMIN, PASSWORD, T0, audit_entries, minutes, ready_user

from pdfsign.accounts import (
    AccountPolicy,
    Role,
    Stage,
    authenticate,
    deactivate,
    edit_user,
    get_user,
    list_users,
    load_session,
    lock,
    open_session,
    reset_password,
    set_language,
    unlock,
)
from pdfsign.accounts import add_user as add
from pdfsign.accounts.tables import User
from pdfsign.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
)
from pdfsign.registry import Registry


def test_a_new_user_must_change_its_initial_password(registry: Registry,
                                                     policy: AccountPolicy) -> None:
    new = add(registry, "issuer01", role=Role.ISSUER, name=" 試験 太郎 ",
              email=" taro@example.jp ", actor=ADMIN, at=T0)
    info = get_user(registry, "issuer01")
    assert (info.user_id, info.name, info.role, info.email) == (
        "issuer01", "試験 太郎", Role.ISSUER, "taro@example.jp")
    assert (info.must_change, info.locked, info.active, info.second_factor, info.lang) == (
        True, False, True, False, "ja")
    assert info.created_at == info.password_changed_at == T0
    signin = authenticate(registry, policy, "issuer01", new.initial_password, at=T0)
    assert signin.stage is Stage.PASSWORD


def test_only_the_hash_of_the_initial_password_is_kept(registry: Registry) -> None:
    new = add(registry, "issuer01", role=Role.ISSUER, name="試験", actor=ADMIN, at=T0)
    with registry.reading() as session:
        row = session.get(User, "issuer01")
        assert row is not None
        assert row.password_hash.startswith("$argon2id$")
        assert new.initial_password not in row.password_hash
    shown = get_user(registry, "issuer01").to_json()
    assert new.initial_password not in str(shown)
    assert "$argon2" not in str(shown)
    assert new.initial_password not in str(audit_entries(registry))


def test_a_bank_user_keeps_its_association_bank_and_branch(registry: Registry) -> None:
    add(registry, "14234500201", role=Role.BANK_BRANCH, name="営業店 花子", bank="2345",
        branch="002", actor=ADMIN, at=T0)
    info = get_user(registry, "14234500201")
    assert (info.role, info.bank_code, info.branch_code) == (Role.BANK_BRANCH, "2345", "002")
    with registry.reading() as session:
        row = session.get(User, "14234500201")
        assert row is not None
        assert row.association_code == "14"
    assert info.to_json()["bank"] == "2345"
    assert info.to_json()["branch"] == "002"


def test_a_taken_user_id_is_a_conflict(registry: Registry) -> None:
    first = add(registry, "issuer01", role=Role.ISSUER, name="一人目", actor=ADMIN, at=T0)
    with pytest.raises(ConflictError, match="user issuer01 already exists") as caught:
        add(registry, " issuer01 ", role=Role.AUDITOR, name="二人目", actor=ADMIN, at=T0)
    assert caught.value.field == "user_id"
    assert get_user(registry, "issuer01").name == "一人目"
    assert [e.detail for e in audit_entries(registry, "user-add")] == [
        {"user_id": "issuer01", "role": "issuer"}]
    assert first.user_id == "issuer01"


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"name": "   "}, "name", "a name has 1 to 100 characters"),
    ({"name": "名" * 101}, "name", "a name has 1 to 100 characters"),
    ({"email": "taro.example.jp"}, "email", "not an e-mail address"),
    ({"email": "taro@localhost"}, "email", "not an e-mail address"),
    ({"email": "@example.jp"}, "email", "not an e-mail address"),
    ({"email": "ta ro@example.jp"}, "email", "not an e-mail address"),
    ({"user_id": "Issuer01"}, "user_id", "a staff ID has 3-32 characters"),
    ({"bank": "2345"}, "bank", "staff accounts have no bank or branch"),
])
def test_bad_fields_create_nothing(registry: Registry, fields: dict[str, str], field: str,
                                   reason: str) -> None:
    values = {"user_id": "issuer01", "name": "試験"} | fields
    with pytest.raises(InputError, match=reason) as caught:
        add(registry, values.pop("user_id"), role=Role.ISSUER, actor=ADMIN, at=T0, **values)
    assert caught.value.field == field
    assert list_users(registry) == []
    assert audit_entries(registry) == []


def test_a_blank_email_is_none(registry: Registry) -> None:
    add(registry, "issuer01", role=Role.ISSUER, name="試験", email="  ", actor=ADMIN, at=T0)
    assert get_user(registry, "issuer01").email is None


def test_users_are_listed_by_id(registry: Registry) -> None:
    for user_id, role in [("issuer01", Role.ISSUER), ("14234500001", Role.BANK_HEAD),
                          ("admin01", Role.ADMIN)]:
        add(registry, user_id, role=role, name="試験", actor=ADMIN, at=T0)
    assert [u.user_id for u in list_users(registry)] == ["14234500001", "admin01", "issuer01"]


def test_unknown_users_are_not_found(registry: Registry) -> None:
    for action in (lambda: get_user(registry, "nobody"),
                   lambda: lock(registry, "nobody", actor=ADMIN, at=T0),
                   lambda: reset_password(registry, "nobody", actor=ADMIN, at=T0)):
        with pytest.raises(NotFoundError, match="no user nobody"):
            action()


def test_edit_changes_name_email_and_staff_role(registry: Registry) -> None:
    ready_user(registry)
    info = edit_user(registry, "issuer01", name="新しい 名前", email="new@example.jp",
                     role=Role.AUDITOR, actor=ADMIN, at=T0)
    assert (info.name, info.email, info.role) == ("新しい 名前", "new@example.jp", Role.AUDITOR)
    assert get_user(registry, "issuer01").role is Role.AUDITOR
    assert audit_entries(registry, "user-edit")[-1].detail == {"user_id": "issuer01",
                                                               "role": "auditor"}


def test_edit_keeps_the_role_when_none_is_given(registry: Registry) -> None:
    ready_user(registry)
    info = edit_user(registry, "issuer01", name="試験", email=None, actor=ADMIN, at=T0)
    assert info.role is Role.ISSUER


def test_a_role_cannot_cross_staff_and_bank(registry: Registry) -> None:
    ready_user(registry)
    with pytest.raises(InputError, match="between staff and bank users"):
        edit_user(registry, "issuer01", name="試験", email=None, role=Role.BANK_BRANCH,
                  actor=ADMIN, at=T0)
    assert get_user(registry, "issuer01").role is Role.ISSUER


def test_a_bank_users_role_follows_its_branch(registry: Registry) -> None:
    """A head-office ID (branch 000) never becomes a branch user, nor the reverse."""
    add(registry, "14234500001", role=Role.BANK_HEAD, name="本部", actor=ADMIN, at=T0)
    add(registry, "14234500201", role=Role.BANK_BRANCH, name="支店", actor=ADMIN, at=T0)
    with pytest.raises(InputError, match="branch user's branch is not 000"):
        edit_user(registry, "14234500001", name="本部", email=None, role=Role.BANK_BRANCH,
                  actor=ADMIN, at=T0)
    with pytest.raises(InputError, match="head-office user's branch is 000"):
        edit_user(registry, "14234500201", name="支店", email=None, role=Role.BANK_HEAD,
                  actor=ADMIN, at=T0)
    assert [u.role for u in list_users(registry)] == [Role.BANK_HEAD, Role.BANK_BRANCH]


def test_a_reset_replaces_the_password_and_ends_sessions(registry: Registry,
                                                        policy: AccountPolicy) -> None:
    ready_user(registry)
    session_id = open_session(registry, "issuer01", Stage.FULL, at=T0)
    new = reset_password(registry, "issuer01", actor=ADMIN, at=T0 + minutes(5))
    assert new.user_id == "issuer01"
    assert new.initial_password != PASSWORD
    with pytest.raises(AuthenticationError):
        authenticate(registry, policy, "issuer01", PASSWORD, at=T0 + minutes(6))
    signin = authenticate(registry, policy, "issuer01", new.initial_password, at=T0 + minutes(6))
    assert signin.stage is Stage.PASSWORD
    assert signin.user.password_changed_at == T0 + minutes(5)
    assert load_session(registry, policy, session_id, at=T0 + minutes(6)) is None
    assert [(e.actor, e.detail) for e in audit_entries(registry, "password-reset")] == [
        (ADMIN, {"user_id": "issuer01"})]


def test_an_administrators_lock_holds_until_unlocked(registry: Registry,
                                                     policy: AccountPolicy) -> None:
    ready_user(registry)
    assert lock(registry, "issuer01", actor=ADMIN, at=T0).locked
    with pytest.raises(AccountLockedError):
        authenticate(registry, policy, "issuer01", PASSWORD, at=T0 + dt.timedelta(days=30))
    assert not unlock(registry, "issuer01", actor=ADMIN, at=T0 + dt.timedelta(days=30)).locked
    assert authenticate(registry, policy, "issuer01", PASSWORD,
                        at=T0 + dt.timedelta(days=30)).stage is Stage.FULL


def test_unlock_lifts_a_lockout_after_failures(registry: Registry,
                                               policy: AccountPolicy) -> None:
    ready_user(registry)
    for _ in range(policy.lockout_failures):
        with pytest.raises(AuthenticationError):
            authenticate(registry, policy, "issuer01", "wrong1234", at=T0)
    with pytest.raises(AccountLockedError):
        authenticate(registry, policy, "issuer01", PASSWORD, at=T0)
    unlock(registry, "issuer01", actor=ADMIN, at=T0)
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=T0).stage is Stage.FULL


def test_deactivation_keeps_the_row_but_not_the_sessions(registry: Registry,
                                                         policy: AccountPolicy) -> None:
    ready_user(registry)
    session_id = open_session(registry, "issuer01", Stage.FULL, at=T0)
    info = deactivate(registry, "issuer01", actor=ADMIN, at=T0)
    assert not info.active
    assert get_user(registry, "issuer01").active is False
    assert load_session(registry, policy, session_id, at=T0) is None
    assert audit_entries(registry, "user-deactivate")[0].detail == {"user_id": "issuer01"}


def test_an_administrator_cannot_deactivate_itself(registry: Registry) -> None:
    ready_user(registry, ADMIN, role=Role.ADMIN)
    with pytest.raises(ConflictError, match="cannot deactivate your own account"):
        deactivate(registry, ADMIN, actor=ADMIN, at=T0)
    assert get_user(registry, ADMIN).active


def test_the_language_is_ja_or_en(registry: Registry) -> None:
    ready_user(registry)
    set_language(registry, "issuer01", "en")
    assert get_user(registry, "issuer01").lang == "en"
    with pytest.raises(InputError, match="language is ja or en, not 'fr'") as caught:
        set_language(registry, "issuer01", "fr")
    assert caught.value.field == "lang"
    assert get_user(registry, "issuer01").lang == "en"


def test_every_administration_is_audited_and_the_chain_holds(registry: Registry) -> None:
    ready_user(registry)
    edit_user(registry, "issuer01", name="試験", email=None, actor=ADMIN, at=T0)
    lock(registry, "issuer01", actor=ADMIN, at=T0)
    unlock(registry, "issuer01", actor=ADMIN, at=T0)
    reset_password(registry, "issuer01", actor=ADMIN, at=T0)
    deactivate(registry, "issuer01", actor=ADMIN, at=T0)
    assert [(e.actor, e.action) for e in audit_entries(registry)] == [
        (ADMIN, "user-add"), ("issuer01", "password-change"), (ADMIN, "user-edit"),
        (ADMIN, "lock"), (ADMIN, "unlock"), (ADMIN, "password-reset"),
        (ADMIN, "user-deactivate")]
    report = registry.verify_audit()
    assert report.ok
    assert report.entries == 7

