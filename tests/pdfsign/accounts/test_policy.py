"""The account rules an installation may tune, read from the settings; bad values name the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pdfsign.accounts import AccountPolicy, Role
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError


def _settings(tmp_path: Path, toml: str = "", **overrides: object) -> Settings:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(toml, encoding="utf-8")
    return Settings.load(home=home, env={}, **overrides)


def test_the_defaults(tmp_path: Path) -> None:
    policy = AccountPolicy.from_settings(_settings(tmp_path))
    assert policy == AccountPolicy()
    assert (policy.lockout_failures, policy.lockout, policy.password_max_age) == (
        5, dt.timedelta(minutes=30), dt.timedelta(days=120))
    assert (policy.session_idle, policy.session_max, policy.second_factor_roles) == (
        dt.timedelta(minutes=30), dt.timedelta(hours=12), frozenset())


def test_values_from_the_config_file(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 'lockout_failures = 3\nlockout_minutes = 15\n'
                         'password_max_age_days = 90\nsession_idle_minutes = 10\n'
                         'session_max_hours = 8\nrequire_second_factor = ["admin", "issuer"]\n')
    assert AccountPolicy.from_settings(settings) == AccountPolicy(
        lockout_failures=3, lockout=dt.timedelta(minutes=15),
        password_max_age=dt.timedelta(days=90),
        second_factor_roles=frozenset({Role.ADMIN, Role.ISSUER}),
        session_idle=dt.timedelta(minutes=10), session_max=dt.timedelta(hours=8))


@pytest.mark.parametrize("key", ["lockout_failures", "lockout_minutes", "password_max_age_days",
                                 "session_idle_minutes", "session_max_hours"])
def test_a_zero_limit_names_its_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigurationError, match="must be at least 1") as caught:
        AccountPolicy.from_settings(_settings(tmp_path, f"{key} = 0\n"))
    assert caught.value.field == key


def test_an_unknown_role_names_the_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 'require_second_factor = ["admin", "root"]\n')
    with pytest.raises(ConfigurationError, match="must be one of .*not 'root'") as caught:
        AccountPolicy.from_settings(settings)
    assert caught.value.field == "require_second_factor"


@pytest.mark.parametrize("role", ["bank-head", "bank-branch"])
def test_a_second_factor_is_for_staff_only(tmp_path: Path, role: str) -> None:
    settings = _settings(tmp_path, f'require_second_factor = ["{role}"]\n')
    with pytest.raises(ConfigurationError, match="a second factor is for staff roles") as caught:
        AccountPolicy.from_settings(settings)
    assert caught.value.field == "require_second_factor"


def test_a_negative_override_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="must not be negative") as caught:
        _settings(tmp_path, lockout_failures=-1)
    assert caught.value.field == "lockout_failures"


def test_a_limit_written_as_text_in_the_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="must be an integer") as caught:
        _settings(tmp_path, 'lockout_minutes = "30"\n')
    assert caught.value.field is not None
    assert caught.value.field.endswith("lockout_minutes")
