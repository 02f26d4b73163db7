"""Personal API tokens: shown once and stored hashed; one opaque refusal; the scope rule;
each use audited at most once a minute."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from accounts_samples import ADMIN, T0, audit_entries, minutes, ready_user
from sqlalchemy import select

from pdfsign.accounts import (
    Role,
    Scope,
    authenticate_token,
    create_token,
    deactivate,
    edit_user,
    list_tokens,
    lock,
    permits,
    revoke_token,
)
from pdfsign.accounts.tables import ApiToken
from pdfsign.accounts.tokens import REFUSED
from pdfsign.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDenied,
)
from pdfsign.registry import Registry

SECOND = dt.timedelta(seconds=1)
USER_IDS = {Role.ADMIN: "admin02", Role.ISSUER: "issuer01", Role.AUDITOR: "auditor01",
            Role.BANK_HEAD: "14234500001", Role.BANK_BRANCH: "14234500201"}
#: role → the scopes it may hold.
HOLDS = {Role.ADMIN: {Scope.READ, Scope.VERIFY, Scope.ISSUE},
         Role.ISSUER: {Scope.READ, Scope.VERIFY, Scope.ISSUE},
         Role.AUDITOR: {Scope.READ, Scope.VERIFY},
         Role.BANK_HEAD: {Scope.READ}, Role.BANK_BRANCH: {Scope.READ}}


def _token(registry: Registry, user_id: str = "issuer01", scope: Scope = Scope.READ,
           days: int = 30) -> tuple[int, str]:
    info, text = create_token(registry, user_id, scope=scope, expires_days=days, actor=ADMIN,
                              at=T0)
    return info.id, text


def test_a_token_is_random_prefixed_and_only_its_hash_is_kept(registry: Registry) -> None:
    ready_user(registry)
    info, text = create_token(registry, "issuer01", scope=Scope.VERIFY, expires_days=30,
                              actor=ADMIN, at=T0)
    _, other = _token(registry)
    assert text.startswith("pst_")
    assert len(text) >= 4 + 43
    assert text != other
    assert info.expires_at == T0 + dt.timedelta(days=30)
    assert info.created_by == ADMIN
    with registry.reading() as session:
        row = session.execute(select(ApiToken).where(ApiToken.id == info.id)).scalar_one()
        columns = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
        assert row.token_hash == hashlib.sha256(text.encode()).hexdigest()
    assert not any(text in value or text[4:] in value for value in columns)
    assert "token" not in info.to_json()
    assert audit_entries(registry, "api-token-create")[0].detail["scope"] == "verify"


def test_a_usable_token_gives_its_user_and_scope(registry: Registry) -> None:
    ready_user(registry)
    _, text = _token(registry, scope=Scope.VERIFY)
    user, scope = authenticate_token(registry, text, at=T0 + minutes(5))
    assert (user.user_id, user.role, scope) == ("issuer01", Role.ISSUER, Scope.VERIFY)


def test_each_use_is_audited_at_most_once_a_minute(registry: Registry) -> None:
    ready_user(registry)
    token_id, text = _token(registry)
    for seconds in (0, 30, 59, 60, 61, 125):
        authenticate_token(registry, text, at=T0 + seconds * SECOND)
    uses = audit_entries(registry, "api-token")
    assert [(e.actor, e.detail) for e in uses] == [
        ("issuer01", {"token_id": token_id, "scope": "read"})] * 3  # at 0, 60 and 125 s
    assert list_tokens(registry)[0].last_used_at == T0 + 125 * SECOND
    assert registry.verify_audit().ok


@pytest.mark.parametrize("case", ["unknown", "no-prefix", "expired", "revoked", "deactivated",
                                  "locked", "empty"])
def test_every_refusal_has_the_same_words(registry: Registry, case: str) -> None:
    ready_user(registry)
    token_id, text = _token(registry, days=1)
    at = T0 + minutes(1)
    if case == "unknown":
        text = "pst_" + "A" * 43
    elif case == "no-prefix":
        text = text[4:]
    elif case == "expired":
        at = T0 + dt.timedelta(days=1)
        authenticate_token(registry, text, at=at - SECOND)  # one second before: still good
    elif case == "revoked":
        revoke_token(registry, token_id, actor=ADMIN, at=T0)
    elif case == "deactivated":
        deactivate(registry, "issuer01", actor=ADMIN, at=T0)
    elif case == "locked":
        lock(registry, "issuer01", actor=ADMIN, at=T0)
    else:
        text = ""
    with pytest.raises(AuthenticationError) as refused:
        authenticate_token(registry, text, at=at)
    assert type(refused.value) is AuthenticationError
    assert (refused.value.message, refused.value.field) == (REFUSED, "token")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("scope", list(Scope))
def test_which_role_may_hold_which_scope(registry: Registry, role: Role, scope: Scope) -> None:
    user_id = ready_user(registry, USER_IDS[role], role=role)
    assert permits(role, scope, scope) is (scope in HOLDS[role])
    if scope in HOLDS[role]:
        _token(registry, user_id, scope)
    else:
        with pytest.raises(PermissionDenied) as refused:
            _token(registry, user_id, scope)
        assert refused.value.field == "scope"
        assert list_tokens(registry) == []


@pytest.mark.parametrize(("held", "needed"), [(Scope.ISSUE, Scope.READ),
                                              (Scope.ISSUE, Scope.VERIFY),
                                              (Scope.VERIFY, Scope.READ),
                                              (Scope.READ, Scope.VERIFY)])
def test_scopes_do_not_nest(held: Scope, needed: Scope) -> None:
    assert not permits(Role.ADMIN, held, needed)


def test_a_role_change_takes_the_scope_away_at_once(registry: Registry) -> None:
    ready_user(registry)
    _, text = _token(registry, scope=Scope.ISSUE)
    edit_user(registry, "issuer01", name="試験 太郎", email=None, role=Role.AUDITOR, actor=ADMIN,
              at=T0)
    user, scope = authenticate_token(registry, text, at=T0 + minutes(1))
    assert not permits(user.role, scope, Scope.ISSUE)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_the_expiry_is_bounded(registry: Registry, days: int) -> None:
    ready_user(registry)
    with pytest.raises(InputError) as refused:
        _token(registry, days=days)
    assert refused.value.field == "expires"


def test_unknown_users_and_scopes_are_named(registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        _token(registry, "nobody01")
    with pytest.raises(NotFoundError):
        list_tokens(registry, "nobody01")
    with pytest.raises(InputError, match="read, verify, issue"):
        Scope.parse("admin")


def test_revoking_is_once_audited_and_for_good(registry: Registry) -> None:
    ready_user(registry)
    ready_user(registry, "auditor01", role=Role.AUDITOR)
    token_id, _ = _token(registry)
    with pytest.raises(NotFoundError):
        revoke_token(registry, token_id, actor="auditor01", at=T0, owner="auditor01")
    with pytest.raises(NotFoundError):
        revoke_token(registry, token_id + 100, actor=ADMIN, at=T0)
    revoked = revoke_token(registry, token_id, actor="issuer01", at=T0, owner="issuer01")
    assert revoked.revoked_at == T0
    assert not revoked.usable(T0)
    with pytest.raises(ConflictError):
        revoke_token(registry, token_id, actor=ADMIN, at=T0)
    assert [e.detail for e in audit_entries(registry, "api-token-revoke")] == [
        {"token_id": token_id, "user_id": "issuer01"}]


def test_the_list_is_newest_first_and_per_user(registry: Registry) -> None:
    ready_user(registry)
    ready_user(registry, "auditor01", role=Role.AUDITOR)
    first, _ = _token(registry)
    second, _ = _token(registry, "auditor01", Scope.VERIFY)
    assert [t.id for t in list_tokens(registry)] == [second, first]
    assert [t.id for t in list_tokens(registry, "issuer01")] == [first]
