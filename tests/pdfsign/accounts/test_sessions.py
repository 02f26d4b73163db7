"""Web sessions: a new random ID per sign-in, idle and absolute timeouts, ended for real."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from accounts_samples import ADMIN, T0, minutes, ready_user
from sqlalchemy import select

from pdfsign.accounts import (
    AccountPolicy,
    Role,
    Stage,
    advance_session,
    deactivate,
    end_session,
    load_session,
    lock,
    open_session,
    reset_password,
    unlock,
)
from pdfsign.accounts.tables import WebSession
from pdfsign.registry import Registry

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def user(registry: Registry) -> str:
    """A signed-up issuer."""
    return ready_user(registry)


def test_a_session_names_its_user_and_stage(registry: Registry, policy: AccountPolicy,
                                            user: str) -> None:
    session_id = open_session(registry, user, Stage.PASSWORD, at=T0)
    active = load_session(registry, policy, session_id, at=T0)
    assert active is not None
    assert (active.user.user_id, active.user.role, active.stage) == (
        user, Role.ISSUER, Stage.PASSWORD)


def test_each_sign_in_gets_a_new_random_id(registry: Registry, user: str) -> None:
    ids = {open_session(registry, user, Stage.FULL, at=T0) for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 43 for i in ids)  # 256 bits, URL-safe base64


def test_the_database_holds_only_the_ids_digest(registry: Registry, user: str) -> None:
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    with registry.reading() as session:
        stored = session.execute(select(WebSession.id_hash)).scalars().all()
    assert stored == [hashlib.sha256(session_id.encode()).hexdigest()]


def test_replacing_ends_the_pre_sign_in_session(registry: Registry, policy: AccountPolicy,
                                                user: str) -> None:
    old = open_session(registry, user, Stage.PASSWORD, at=T0)
    other = open_session(registry, user, Stage.FULL, at=T0)
    new = open_session(registry, user, Stage.FULL, at=T0, replacing=old)
    assert new not in (old, other)
    assert load_session(registry, policy, old, at=T0) is None
    assert load_session(registry, policy, new, at=T0) is not None
    assert load_session(registry, policy, other, at=T0) is not None  # only the one replaced


def test_an_unknown_id_is_no_session(registry: Registry, policy: AccountPolicy) -> None:
    assert load_session(registry, policy, "made-up", at=T0) is None
    open_session(registry, ready_user(registry), Stage.FULL, at=T0, replacing="made-up")


def test_the_idle_timeout(registry: Registry, policy: AccountPolicy, user: str) -> None:
    kept = open_session(registry, user, Stage.FULL, at=T0)
    idle = open_session(registry, user, Stage.FULL, at=T0)
    assert load_session(registry, policy, kept, at=T0 + policy.session_idle) is not None
    assert load_session(registry, policy, idle, at=T0 + policy.session_idle + SECOND) is None
    # deleted, not just refused: it does not come back even for an earlier clock
    assert load_session(registry, policy, idle, at=T0) is None


def test_activity_keeps_a_session_alive(registry: Registry, policy: AccountPolicy,
                                        user: str) -> None:
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    seen = T0 + minutes(20)
    assert load_session(registry, policy, session_id, at=seen) is not None
    assert load_session(registry, policy, session_id,
                        at=seen + policy.session_idle) is not None
    assert load_session(registry, policy, session_id,
                        at=seen + 2 * policy.session_idle + SECOND) is None


def test_the_absolute_timeout_ends_even_a_busy_session(registry: Registry,
                                                       policy: AccountPolicy, user: str) -> None:
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    at = T0
    while at + minutes(20) <= T0 + policy.session_max:
        at += minutes(20)
        assert load_session(registry, policy, session_id, at=at) is not None, at
    assert at == T0 + policy.session_max
    assert load_session(registry, policy, session_id, at=at + SECOND) is None


def test_the_timeouts_come_from_the_policy(registry: Registry, user: str) -> None:
    policy = AccountPolicy(session_idle=minutes(5), session_max=dt.timedelta(hours=1))
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    assert load_session(registry, policy, session_id, at=T0 + minutes(5) + SECOND) is None


def test_advancing_records_the_stage(registry: Registry, policy: AccountPolicy,
                                     user: str) -> None:
    session_id = open_session(registry, user, Stage.SECOND_FACTOR, at=T0)
    advance_session(registry, session_id, Stage.FULL)
    active = load_session(registry, policy, session_id, at=T0)
    assert active is not None
    assert active.stage is Stage.FULL
    advance_session(registry, "made-up", Stage.FULL)  # no session: nothing to advance


def test_signing_out_kills_the_id(registry: Registry, policy: AccountPolicy, user: str) -> None:
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    end_session(registry, session_id)
    assert load_session(registry, policy, session_id, at=T0) is None


def test_a_password_reset_ends_every_session_of_the_user(registry: Registry,
                                                         policy: AccountPolicy,
                                                         user: str) -> None:
    sessions = [open_session(registry, user, Stage.FULL, at=T0) for _ in range(2)]
    bystander = open_session(registry, ready_user(registry, "auditor01", role=Role.AUDITOR),
                             Stage.FULL, at=T0)
    reset_password(registry, user, actor=ADMIN, at=T0)
    assert [load_session(registry, policy, s, at=T0) for s in sessions] == [None, None]
    assert load_session(registry, policy, bystander, at=T0) is not None


def test_a_lock_deletes_the_sessions_so_unlocking_does_not_revive_them(
        registry: Registry, policy: AccountPolicy, user: str) -> None:
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    lock(registry, user, actor=ADMIN, at=T0)
    with registry.reading() as session:
        assert session.execute(select(WebSession)).scalars().all() == []
    unlock(registry, user, actor=ADMIN, at=T0)
    assert load_session(registry, policy, session_id, at=T0) is None


def test_deactivation_ends_the_sessions(registry: Registry, policy: AccountPolicy,
                                        user: str) -> None:
    session_id = open_session(registry, user, Stage.FULL, at=T0)
    deactivate(registry, user, actor=ADMIN, at=T0)
    assert load_session(registry, policy, session_id, at=T0) is None
