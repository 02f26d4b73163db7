"""What every request handler needs: the settings, the registry, the account rules, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from flask import current_app

from pdfsign.accounts import AccountPolicy
from pdfsign.config import Settings
from pdfsign.issuing import Issuer
from pdfsign.keys import open_signer
from pdfsign.notify import Notifications
from pdfsign.registry import Registry
from pdfsign.signing import SigningServices, signing_services_from

__all__ = ["WebContext", "utc_now", "web"]


def utc_now() -> dt.datetime:
    """The wall clock, tz-aware UTC: the only place the web app reads the time."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class WebContext:
    """One per app, built by :func:`webui.create_app`."""

    settings: Settings
    registry: Registry
    policy: AccountPolicy
    clock: Callable[[], dt.datetime]

    def now(self) -> dt.datetime:
        """The time this request's rules are judged at."""
        return self.clock()

    @cached_property
    def services(self) -> SigningServices:
        """The TSA client and validation contexts, built on first use and kept warm."""
        return signing_services_from(self.settings)

    def issuer(self, signer_name: str, pin: str, *, actor: str) -> Issuer:
        """An issuer for one action: the signer opened with the PIN typed for it (used once)
        through its lock, the warm services, and the installation's notification settings.

        :raises PermissionDenied: the PIN is wrong, or the signer is locked.
        :raises SignerCertificateError: its certificate may not sign now.
        """
        signer = open_signer(self.settings, self.registry, pin=pin, actor=actor,
                             at=self.now(), signer=signer_name or None)
        return Issuer(self.registry, signer, self.services, actor,
                      notify=Notifications.from_settings(self.settings))


def web() -> WebContext:
    """The current app's context."""
    context: WebContext = current_app.extensions["pdfsign"]
    return context
