"""The account rules an installation may tune, read once from the settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pdfsign.accounts.roles import STAFF, Role
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, InputError

__all__ = ["AccountPolicy"]


@dataclass(frozen=True)
class AccountPolicy:
    """Lockout, password age, second factor and session limits."""

    lockout_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=30)
    password_max_age: dt.timedelta = dt.timedelta(days=120)
    second_factor_roles: frozenset[Role] = frozenset()
    session_idle: dt.timedelta = dt.timedelta(minutes=30)
    session_max: dt.timedelta = dt.timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        """:raises ConfigurationError: a zero limit, or a second factor asked for a bank role."""
        for key in ("lockout_failures", "lockout_minutes", "password_max_age_days",
                    "session_idle_minutes", "session_max_hours"):
            if getattr(settings, key) < 1:
                raise ConfigurationError("must be at least 1", field=key)
        try:
            roles = frozenset(Role.parse(name, field="require_second_factor")
                              for name in settings.require_second_factor)
        except InputError as exc:
            raise ConfigurationError(exc.message, field=exc.field) from None
        if not roles <= STAFF:
            raise ConfigurationError("a second factor is for staff roles (admin, issuer, "
                                     "auditor)", field="require_second_factor")
        return cls(lockout_failures=settings.lockout_failures,
                   lockout=dt.timedelta(minutes=settings.lockout_minutes),
                   password_max_age=dt.timedelta(days=settings.password_max_age_days),
                   second_factor_roles=roles,
                   session_idle=dt.timedelta(minutes=settings.session_idle_minutes),
                   session_max=dt.timedelta(hours=settings.session_max_hours))
