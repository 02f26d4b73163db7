"""The mail settings: ``smtp_url`` parsed and masked, link days and web URL checked, and the
banks' delivery mode set by the administrator (``pdfsign bank set --mode``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from notify_samples import T0

from pdfsign.cli._root import root
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, InputError, describe
from pdfsign.notify import SmtpUrl, SmtpUrlError, masked_url
from pdfsign.registry import Registry, list_banks, set_bank


@pytest.mark.parametrize(("url", "parsed"), [
    ("smtp://127.0.0.1:2525", SmtpUrl("smtp", "127.0.0.1", 2525)),
    ("smtp://mail.example", SmtpUrl("smtp", "mail.example", 25)),
    ("smtps://relay.example", SmtpUrl("smtps", "relay.example", 465)),
    ("smtps://user%40bank:p%40ss%3Aw@relay.example:4650",
     SmtpUrl("smtps", "relay.example", 4650, "user@bank", "p@ss:w")),
])
def test_smtp_urls(url: str, parsed: SmtpUrl) -> None:
    assert SmtpUrl.parse(url) == parsed


@pytest.mark.parametrize("url", ["", "http://mail.example", "smtp://", "smtp://h:99999",
                                 "smtp://user:Secret9@h:25/path", "mailto:a@b.example"])
def test_bad_smtp_urls_are_configuration_errors_that_hide_the_password(url: str) -> None:
    with pytest.raises(SmtpUrlError) as caught:
        SmtpUrl.parse(url)
    problem = describe(caught.value)
    assert problem is not None
    assert (problem.exit_code, problem.reason, problem.field) == (7, "smtp-url", "smtp_url")
    assert "Secret9" not in problem.message


def test_the_password_is_masked_everywhere_it_is_shown() -> None:
    url = SmtpUrl.parse("smtp://relay:Secret9@mail.example:587")
    assert str(url) == "smtp://relay:***@mail.example:587"
    assert "Secret9" not in repr(url)
    assert masked_url("smtps://relay:Secret9@mail.example") == "smtps://relay:***@mail.example"
    assert masked_url("smtp://mail.example:25") == "smtp://mail.example:25"


def test_mail_settings_from_the_environment_and_the_file(tmp_path: Path) -> None:
    env = {"PDFSIGN_SMTP_URL": "smtp://127.0.0.1:2525", "PDFSIGN_MAIL_FROM": "a@hosho.example",
           "PDFSIGN_MAIL_REPLY_TO": "b@hosho.example", "PDFSIGN_LINK_DAYS": "3",
           "PDFSIGN_WEB_URL": "https://denshi.hosho.example"}
    loaded = Settings.load(home=tmp_path, env=env)
    assert (loaded.smtp_url, loaded.mail_from, loaded.mail_reply_to, loaded.link_days,
            loaded.web_url) == ("smtp://127.0.0.1:2525", "a@hosho.example", "b@hosho.example",
                                3, "https://denshi.hosho.example")
    (tmp_path / "config.toml").write_text('smtp_url = "smtps://mail.example"\nlink_days = 14\n')
    assert Settings.load(home=tmp_path, env={}).link_days == 14
    defaults = Settings(home=tmp_path)
    assert (defaults.smtp_url, defaults.link_days, defaults.web_url) == (
        "", 7, "http://127.0.0.1:8080")


@pytest.mark.parametrize(("key", "value"), [("link_days", "0"), ("link_days", "400"),
                                            ("web_url", "ftp://x.example")])
def test_bad_link_settings_are_refused(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.load(home=tmp_path, env={}, **{key: value})
    assert caught.value.field == key


def test_a_banks_mode_is_kept_unless_changed(tmp_path: Path) -> None:
    registry = Registry.open(Settings.load(home=tmp_path, env={}))
    try:
        first = set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
                         actor="t", at=T0)
        assert first.mode == "storage"
        set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
                 mode="distribution", actor="t", at=T0)
        kept = set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 2, 1),
                        actor="t", at=T0)
        assert kept.mode == "distribution"  # a new window does not switch links off
        assert [b.mode for b in list_banks(registry)] == ["distribution"]
        with pytest.raises(InputError) as caught:
            set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
                     mode="email", actor="t", at=T0)
        assert caught.value.field == "mode"
    finally:
        registry.db.dispose()


def test_bank_set_mode_on_the_command_line(tmp_path: Path) -> None:
    env = {"PDFSIGN_HOME": str(tmp_path), "PDFSIGN_ACTOR": "admin"}
    runner = CliRunner()
    made = runner.invoke(root, ["bank", "set", "2345", "--name", "みらい銀行", "--start",
                                "2026-01-01", "--mode", "distribution"], env=env)
    assert made.exit_code == 0, made.output
    assert made.output.strip().endswith("(distribution)")
    listed = runner.invoke(root, ["bank", "list", "--json"], env=env)
    assert json.loads(listed.output)[0]["mode"] == "distribution"
    wrong = runner.invoke(root, ["bank", "set", "2345", "--name", "x", "--start", "2026-01-01",
                                 "--mode", "email"], env=env)
    assert wrong.exit_code == 2
