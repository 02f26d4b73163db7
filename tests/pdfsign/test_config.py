"""Settings: home directory, database URL, TOML file and environment, strict keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError


def test_defaults_live_under_home(tmp_path: Path) -> None:
    settings = Settings.load(home=tmp_path, env={"USER": "alice"})
    assert settings.url == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert settings.store_dir == tmp_path / "objects"
    assert settings.tsa_state_dir == tmp_path / "tsa"
    assert (settings.tsa_mode, settings.signer, settings.actor) == ("embedded", "staff", "alice")


def test_home_from_environment_then_xdg(tmp_path: Path) -> None:
    assert Settings.load(env={"PDFSIGN_HOME": str(tmp_path)}).home == tmp_path
    assert Settings.load(env={"XDG_DATA_HOME": str(tmp_path)}).home == tmp_path / "pdfsign"


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('signer = "representative"\nactor = "file"\n'
                                          'database_url = "sqlite:///x.db"\n')
    settings = Settings.load(home=tmp_path, env={"PDFSIGN_ACTOR": "env",
                                                 "PDFSIGN_DATABASE_URL": "postgresql://h/db"})
    assert (settings.signer, settings.actor, settings.url) == ("representative", "env",
                                                               "postgresql://h/db")


@pytest.mark.parametrize(("toml", "message"), [
    ('sigenr = "staff"\n', "unknown setting\\(s\\): sigenr"),
    ('tsa_mode = "carrier-pigeon"\n', "must be 'embedded' or 'http'"),
    ('tsa_mode = "http"\n', "tsa_mode 'http' needs tsa_url"),
    ("signer = \n", "cannot read"),
    ("signer = 5\n", "signer: must be a string, not int"),
    ('[pki_dir]\npath = "x"\n', "pki_dir: must be a string, not dict"),
    ('revocation_grace = "soon"\n', "revocation_grace: must be a number of seconds"),
    ('revocation_grace = "-1"\n', "revocation_grace: must be a number of seconds"),
])
def test_bad_settings_are_refused(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(toml)
    with pytest.raises(ConfigurationError, match=message):
        Settings.load(home=tmp_path, env={})


def test_revocation_grace_is_seconds(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('revocation_grace = "1.5"\n')
    assert Settings.load(home=tmp_path, env={}).grace.total_seconds() == 1.5
    assert Settings.load(home=tmp_path, env={"PDFSIGN_REVOCATION_GRACE": "0"}).grace.seconds == 0
