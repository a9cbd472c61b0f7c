"""Where files live and what the user configured: the one place that knows paths.

Settings come from ``config.toml`` in the user config dir (or ``$CRM_CONFIG``), then the
environment (``CRM_DB``, ``CRM_USER``), then command-line options, later ones winning.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import platformdirs

from crm_tui.errors import ConfigError

APP_NAME = "crm-tui"
DB_FILENAME = "crm.db"
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def data_dir() -> Path:
    """The user's data directory for crm-tui (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    override = os.environ.get("CRM_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def is_url(value: str) -> bool:
    return bool(_URL_RE.match(value))


def db_url(value: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db``/``CRM_DB`` (a path or an SQLAlchemy URL) into an SQLAlchemy URL."""
    raw = os.fspath(value) if value is not None else os.environ.get("CRM_DB") or ""
    if not raw:
        return f"sqlite:///{default_db_path()}"
    if is_url(raw):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", raw)
        _check_url(url)
        return url
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


def _check_url(url: str) -> None:
    """A URL SQLAlchemy cannot read ("[::1:1", port "abc") refused in words, up front."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError as error:
        raise ConfigError(f"cannot read the database URL {mask_url(url)}: {error}") from None
    except ValueError:  # make_url's int() of the port, which is all that follows the host
        raise ConfigError(
            f"cannot read the database URL {mask_url(url)}: its host:port is not HOST:NUMBER"
        ) from None


def libpq_url(url: str) -> str:
    """The URL as PostgreSQL's own tools (psql, pg_dump) take it, without the password."""
    url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
    url = re.sub(r"(://[^:/@]*):[^/]*@(?=[^@/]*(?:/|$))", r"\1@", url)
    url = re.sub(r"([?&])password=[^&]*&?", r"\1", url)
    return url.rstrip("?&")


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite."""
    match = re.match(r"^sqlite(?:\+\w+)?:///(.*)$", url)
    if not match or match.group(1) in ("", ":memory:"):
        return None
    return Path(match.group(1).split("?", 1)[0])


def mask_url(url: str) -> str:
    """Hide the password in a database URL (user:password@ or ?password=) to show or log it."""
    url = re.sub(r"(://[^:/@]*:)[^/]*@(?=[^@/]*(?:/|$))", r"\1***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


def location_label(url: str) -> str:
    """A short name for where the data lives: the file's name, or database@host."""
    path = sqlite_path(url)
    if path is not None:
        return path.name
    parts = urlsplit(url)
    host = parts.hostname or parse_qs(parts.query).get("host", ["localhost"])[0]
    return f"{parts.path.lstrip('/')}@{host}"


@dataclass(frozen=True)
class RemindSettings:
    """How ``crm remind`` reaches the user (the ``[remind]`` table). The SMTP password is
    never a setting: it comes from ``CRM_SMTP_PASSWORD`` or the OS keyring."""

    email: str = ""  # where reminders are mailed ("": not mailed)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    sender: str = ""  # "": smtp_user, else email
    starttls: bool = True  # false only for a relay on this machine (nothing leaves it)
    desktop: bool = True  # a desktop notification where a session bus is present
    minutes_before: int = 30  # an appointment is reminded this long before it starts
    task_hour: int = 8  # a task is reminded at this hour of its due day


@dataclass(frozen=True)
class Settings:
    """User preferences; every field has a sensible default."""

    db: str = ""
    user: str = field(default_factory=lambda: _os_user())
    stale_days: int = 30
    due_soon_days: int = 7
    stuck_days: int = 30  # an open deal this long in one stage is listed on Today
    birthday_days: int = 7  # birthdays this many days ahead are listed and reminded
    default_region: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    label: str = ""  # shown in the top bar instead of the file or database name
    calendar: str = "gregorian"  # or "jalali": how dates are shown (stored: Gregorian)
    digits: str = "latin"  # or "persian": the digits of what crm shows
    bidi: str = "auto"  # "app": crm lays out right-to-left text; "terminal": the terminal does
    remind: RemindSettings = field(default_factory=RemindSettings)

    @property
    def url(self) -> str:
        return db_url(self.db or None)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return "me"


def load_settings(*, db: str | None = None, path: Path | None = None) -> Settings:
    """Read config.toml (if any) and the environment; ``db`` wins over both."""
    values: dict[str, Any] = {}
    file = path or config_path()
    if file.is_file():
        values = _read_config(file)
    if os.environ.get("CRM_DB"):
        values["db"] = os.environ["CRM_DB"]
    if os.environ.get("CRM_USER"):
        values["user"] = os.environ["CRM_USER"]
    for key in _CHOICES:  # CRM_CALENDAR, CRM_DIGITS, CRM_BIDI: checked as the file's are
        if value := os.environ.get(f"CRM_{key.upper()}", "").strip().lower():
            if problem := _value_problem(key, value):
                raise ConfigError(f"CRM_{key.upper()}: {problem}")
            values[key] = value
    settings = Settings(**values)
    return replace(settings, db=db) if db else settings


_KINDS: dict[str, tuple[type, str]] = {
    "db": (str, "a path or a URL in quotes"),
    "user": (str, "a name in quotes"),
    "label": (str, "text in quotes"),
    "default_region": (str, 'a two-letter country code in quotes, e.g. "IR"'),
    "stale_days": (int, "a whole number of days"),
    "due_soon_days": (int, "a whole number of days"),
    "stuck_days": (int, "a whole number of days"),
    "birthday_days": (int, "a whole number of days"),
    "keymap": (dict, 'a table of binding ids to keys, e.g. "app.quit" = "ctrl+q"'),
    "calendar": (str, '"gregorian" or "jalali"'),
    "digits": (str, '"latin" or "persian"'),
    "bidi": (str, '"auto", "app" or "terminal"'),
    "remind": (dict, "a table: [remind] and its settings on the lines below"),
}
_REMIND_KINDS: dict[str, tuple[type, str]] = {
    "email": (str, "an email address in quotes"),
    "smtp_host": (str, "a host name in quotes"),
    "smtp_port": (int, "a port number"),
    "smtp_user": (str, "a user name in quotes"),
    "sender": (str, "an address in quotes"),
    "starttls": (bool, "true or false"),
    "desktop": (bool, "true or false"),
    "minutes_before": (int, "a whole number of minutes"),
    "task_hour": (int, "an hour from 0 to 23"),
}
_CHOICES = {
    "calendar": ("gregorian", "jalali"),
    "digits": ("latin", "persian"),
    "bidi": ("auto", "app", "terminal"),
}


def _read_config(file: Path) -> dict[str, Any]:
    """The settings in ``file``; a file crm cannot use is refused, line and setting named
    (a typo must not silently fall back to a default, nor surface as a traceback later)."""
    try:
        with file.open("rb") as handle:
            values = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{file}: not UTF-8 text (byte {error.start + 1})") from None
    except OSError as error:
        raise ConfigError(f"cannot read {file}: {error.strerror}") from None
    problems = [_problem(key, value) for key, value in values.items()]
    if found := [problem for problem in problems if problem]:
        raise ConfigError(f"{file}: " + "; ".join(found))
    if "default_region" in values:
        values["default_region"] = values["default_region"].upper()
    if "remind" in values:
        values["remind"] = RemindSettings(**values["remind"])
    return values


def _problem(key: str, value: Any) -> str:
    if key not in _KINDS:
        return f"unknown setting {key!r} (known: {', '.join(_KINDS)})"
    kind, wanted = _KINDS[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        return f"{key} must be {wanted}"
    return _value_problem(key, value)


def _remind_problem(values: dict[str, Any]) -> str:
    for key, value in values.items():
        if key == "password":
            return "remind.password: keep it out of the file: CRM_SMTP_PASSWORD or the keyring"
        if key not in _REMIND_KINDS:
            return f"unknown setting remind.{key} (known: {', '.join(_REMIND_KINDS)})"
        kind, wanted = _REMIND_KINDS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"remind.{key} must be {wanted}"
    if not 0 <= values.get("smtp_port", 587) <= 65535:
        return "remind.smtp_port must be a port number from 0 to 65535"
    if not 0 <= values.get("minutes_before", 30) <= 7 * 24 * 60:
        return "remind.minutes_before must be from 0 to 10080 (a week)"
    if not 0 <= values.get("task_hour", 8) <= 23:
        return "remind.task_hour must be an hour from 0 to 23"
    return ""


def _value_problem(key: str, value: Any) -> str:
    if key == "remind":
        return _remind_problem(value)
    if key == "birthday_days" and not 0 <= value <= 365:
        return "birthday_days must be a number of days from 0 to 365"
    if key in ("stale_days", "due_soon_days", "stuck_days") and not 0 <= value <= MAX_DAYS:
        return f"{key} must be a number of days from 0 to {MAX_DAYS}"
    if key == "keymap" and not all(isinstance(keys, str) for keys in value.values()):
        return 'keymap: each binding takes keys in quotes, e.g. "app.quit" = "ctrl+q"'
    if key in _CHOICES and value not in _CHOICES[key]:
        *others, last = (f'"{choice}"' for choice in _CHOICES[key])
        return f"{key} must be {', '.join(others)} or {last}"
    if key == "default_region" and not _is_region(value):
        return f"default_region {value!r} is not a country code phone numbers know"
    return ""


MAX_DAYS = 36_500  # a hundred years: further back or ahead is no setting but a typo


def _is_region(code: str) -> bool:
    import phonenumbers

    return code.upper() in phonenumbers.SUPPORTED_REGIONS
