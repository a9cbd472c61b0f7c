"""Settings from config.toml: read when sound, refused with the reason when not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_tui.cli import app
from crm_tui.config import load_settings
from crm_tui.errors import ConfigError
from tests.cli_runner import CliRunner


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sound_file_sets_every_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_USER")  # the environment wins over the file
    path = _config(
        tmp_path,
        'user = "negar"\nlabel = "استودیو"\nstale_days = 45\ndue_soon_days = 0\n'
        'default_region = "ir"\n[keymap]\n"app.quit" = "ctrl+q"\n',
    )
    settings = load_settings(path=path)
    assert (settings.user, settings.label, settings.stale_days) == ("negar", "استودیو", 45)
    assert settings.due_soon_days == 0
    assert settings.default_region == "IR"
    assert settings.keymap == {"app.quit": "ctrl+q"}


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("stale_days = \n", "Invalid value (at line 1, column 14)"),
        ('stale_days = "thirty"\n', "stale_days must be a whole number of days"),
        ("stale_days = true\n", "stale_days must be a whole number of days"),
        ("due_soon_days = -3\n", "due_soon_days must be a number of days from 0 to 36500"),
        ("stale_day = 10\n", "unknown setting 'stale_day' (known: db, user,"),
        ('default_region = "ZZ"\n', "default_region 'ZZ' is not a country code"),
        ('keymap = "q"\n', "keymap must be a table of binding ids to keys"),
        ('[keymap]\n"app.quit" = 5\n', "keymap: each binding takes keys in quotes"),
    ],
)
def test_a_file_crm_cannot_use_is_refused(tmp_path: Path, text: str, told: str) -> None:
    """A typo fell back to the default silently, and a wrong type or bad TOML surfaced as
    a traceback from deep inside a command."""
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path=path)
    assert str(raised.value).startswith(f"{path}: ")
    assert told in str(raised.value)


def test_the_cli_says_what_is_wrong_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, 'stale_days = "thirty"\nwho = "me"\n')
    monkeypatch.setenv("CRM_CONFIG", str(path))
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "crm.db"), "agenda"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"crm: error: {path}: stale_days must be a whole number of days; unknown setting 'who' "
        "(known: db, user, label, default_region, stale_days, due_soon_days, stuck_days, "
        "birthday_days, keymap, calendar, digits, bidi, remind)\n"
    )


def test_crm_agenda_looks_as_far_ahead_as_the_settings_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's "coming up" followed due_soon_days; crm agenda kept to 7 days."""
    monkeypatch.setenv("CRM_CONFIG", str(_config(tmp_path, "due_soon_days = 14\n")))
    db = ["--db", str(tmp_path / "crm.db")]
    runner = CliRunner()
    assert (
        runner.invoke(app, [*db, "tasks", "add", "Renew the lease", "--due", "10d"]).exit_code == 0
    )
    agenda = json.loads(runner.invoke(app, [*db, "agenda", "--json"]).stdout)
    assert [task["title"] for task in agenda["due_soon"]] == ["Renew the lease"]
    agenda = json.loads(runner.invoke(app, [*db, "agenda", "--json", "--days", "7"]).stdout)
    assert agenda["due_soon"] == []
