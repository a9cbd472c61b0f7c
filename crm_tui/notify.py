"""Reminders sent where the user will see them: by email (SMTP with STARTTLS) and as a
desktop notification (the freedesktop Notifications service on the session bus).

The SMTP password is read from ``CRM_SMTP_PASSWORD``, else the OS keyring (service
"crm-tui", the SMTP user): never from the command line or the config file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from crm_tui import display
from crm_tui.config import RemindSettings
from crm_tui.errors import CrmError
from crm_tui.services.reminders import Reminder
from crm_tui.text import for_terminal

KEYRING_SERVICE = "crm-tui"
SMTP_TIMEOUT = 30  # seconds a mail server may take to answer


class SendError(CrmError):
    """A reminder could not be sent; nothing was recorded as sent."""


def line(reminder: Reminder) -> str:
    """One reminder as one line of plain text (a mail's, a notification's, the terminal's)."""
    title = for_terminal(reminder.title, single_line=True)
    if reminder.kind == "task":
        return f"task due {display.day(reminder.when.astimezone().date())}: {title}"
    if reminder.kind == "birthday":
        label = for_terminal(reminder.label or "birthday", single_line=True)
        return f"{label} {display.day(reminder.when.astimezone().date())}: {title}"
    if reminder.kind == "touch":
        return f"keep in touch: {title} (due {display.day(reminder.when.astimezone().date())})"
    assert reminder.ends is not None
    said = f"{display.time_span(reminder.when, reminder.ends)} {title}"
    if reminder.place:
        said += f" at {for_terminal(reminder.place, single_line=True)}"
    if reminder.people:
        said += " with " + ", ".join(for_terminal(p, single_line=True) for p in reminder.people)
    return said


def subject(reminders: Sequence[Reminder]) -> str:
    if len(reminders) == 1:
        return f"crm: {line(reminders[0])}"[:200]
    return f"crm: {len(reminders)} reminders"


def _password(settings: RemindSettings) -> str | None:
    if password := os.environ.get("CRM_SMTP_PASSWORD"):
        return password
    if not settings.smtp_user:
        return None
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, settings.smtp_user)
    except KeyringError:
        return None  # no keyring on this machine: try without a password


def send_email(settings: RemindSettings, reminders: Sequence[Reminder]) -> None:
    """One mail listing ``reminders``, through the configured server."""
    import smtplib
    import ssl

    if not settings.smtp_host:
        raise SendError("remind.email is set but remind.smtp_host is not: which server sends it?")
    message = EmailMessage()
    message["From"] = settings.sender or settings.smtp_user or settings.email
    message["To"] = settings.email
    message["Subject"] = subject(reminders)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="crm-tui")
    message.set_content("\n".join(line(one) for one in reminders) + "\n")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            password = _password(settings)
            if settings.smtp_user and password:
                smtp.login(settings.smtp_user, password)
            smtp.send_message(message)
    except smtplib.SMTPNotSupportedError:
        raise SendError(
            f"{settings.smtp_host} does not offer STARTTLS: reminders are not sent in the clear"
        ) from None
    except smtplib.SMTPAuthenticationError:
        raise SendError(
            f"{settings.smtp_host} refused the login of {settings.smtp_user!r} "
            "(the password: CRM_SMTP_PASSWORD or the keyring)"
        ) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        raise SendError(f"cannot send mail through {settings.smtp_host}: {error}") from None


def desktop_available() -> bool:
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


def notify_desktop(reminders: Sequence[Reminder]) -> None:
    """One desktop notification per reminder, through the session bus."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    service = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    try:
        with open_dbus_connection(bus="SESSION") as connection:
            for reminder in reminders:
                call = new_method_call(
                    service,
                    "Notify",
                    "susssasa{sv}i",
                    ("crm", 0, "", "crm reminder", line(reminder), [], {}, -1),
                )
                reply = connection.send_and_get_reply(call, timeout=10)
                if reply.header.message_type.name == "error":
                    raise SendError(f"the desktop refused the notification: {reply.body}")
    except (OSError, TimeoutError, ValueError) as error:
        raise SendError(f"cannot reach the desktop's notifications: {error}") from None
