"""``crm remind`` (issue 26, point 5) against a real SMTP server speaking STARTTLS (aiosmtpd,
with a certificate made for the test) and a real session bus (dbus-daemon) with a stand-in
for the desktop's notification service: each reminder arrives once across repeated and
skipped runs, nothing is sent on --dry-run, a server that is down loses nothing."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from crm_tui.db import open_database
from crm_tui.models import ReminderRun
from tests.test_cli import crm


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def bodies(self) -> list[str]:
        return [str(m.get_payload(decode=True), "utf-8") for m in self.messages]


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key_file


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    inbox: Inbox
    port: int


@pytest.fixture
def mail_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """An SMTP server on 127.0.0.1 that insists on STARTTLS; crm trusts its certificate."""
    from aiosmtpd.controller import Controller

    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    yield MailServer(inbox, port)
    controller.stop()


def _configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: int, **extra: Any) -> None:
    lines = [
        "[remind]",
        'email = "me@studio.example"',
        'smtp_host = "127.0.0.1"',
        f"smtp_port = {port}",
        "desktop = false",
        *(f"{key} = {value}" for key, value in extra.items()),
    ]
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)


def _soon(minutes: int) -> str:
    return (datetime.now() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def test_each_reminder_arrives_once_and_a_dry_run_sends_nothing(
    db_url: str, mail_server: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, monkeypatch, mail_server.port)
    crm(db_url, "contacts", "add", "سارا نوری")
    crm(db_url, "meet", "add", "Kickoff", "--at", _soon(20), "--with", "1", "--place", "Studio")
    crm(db_url, "meet", "add", "Next week", "--at", _soon(7 * 24 * 60))
    code, out, _ = crm(db_url, "remind", "--dry-run")
    assert code == 0 and out.endswith("would send 1 reminder (email)\n")
    assert "Kickoff at Studio with سارا نوری" in out
    assert mail_server.inbox.messages == []
    code, out, err = crm(db_url, "remind")
    assert (code, out, err) == (0, "sent 1 reminder by email\n", "")
    (mail,) = mail_server.inbox.messages
    assert mail["To"] == "me@studio.example" and "Kickoff" in mail["Subject"]
    assert "Kickoff at Studio with سارا نوری" in mail_server.inbox.bodies()[0]
    for _ in range(2):  # again and again: nothing new
        assert crm(db_url, "remind")[:2] == (0, "nothing to remind\n")
    assert len(mail_server.inbox.messages) == 1


def test_a_skipped_run_misses_nothing_and_a_moved_appointment_reminds_again(
    db_url: str, mail_server: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, monkeypatch, mail_server.port, task_hour=0)
    today = dt.date.today()
    crm(db_url, "tasks", "add", "Due two days ago", "--due", str(today - timedelta(days=2)))
    crm(db_url, "tasks", "add", "Due long ago", "--due", str(today - timedelta(days=9)))
    crm(db_url, "contacts", "add", "Sara", "--touch-every", "1")
    crm(db_url, "log", "Called", "--contact", "Sara", "--when", "-3d")  # due two days ago
    assert crm(db_url, "remind")[1] == "nothing to remind\n"  # the first run looks back a day
    # The runs of the last three days did not happen: the next one looks back to the last.
    database = open_database(db_url)
    with database.write() as session:
        session.execute(update(ReminderRun).values(ran_at=datetime.now(UTC) - timedelta(days=3)))
    database.close()
    assert crm(db_url, "remind")[1] == "sent 2 reminders by email\n"
    assert "Due two days ago" in mail_server.inbox.bodies()[0]
    assert "keep in touch: Sara" in mail_server.inbox.bodies()[0]
    assert "Due long ago" not in mail_server.inbox.bodies()[0]
    crm(db_url, "meet", "add", "Call", "--at", _soon(10))
    assert crm(db_url, "remind")[1] == "sent 1 reminder by email\n"
    crm(db_url, "meet", "edit", "1", "--at", _soon(15))  # moved: reminded of its new time
    assert crm(db_url, "remind")[1] == "sent 1 reminder by email\n"
    assert crm(db_url, "remind")[1] == "nothing to remind\n"
    assert len(mail_server.inbox.messages) == 3


def test_a_server_that_is_down_loses_nothing(
    db_url: str, mail_server: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, monkeypatch, _free_port())  # nobody listens there
    crm(db_url, "meet", "add", "Kickoff", "--at", _soon(20))
    code, out, err = crm(db_url, "remind")
    assert (code, out) == (1, "")
    assert err.startswith("crm: error: cannot send mail through 127.0.0.1:")
    _configure(tmp_path, monkeypatch, mail_server.port)
    assert crm(db_url, "remind")[:2] == (0, "sent 1 reminder by email\n")
    assert len(mail_server.inbox.messages) == 1


def test_a_server_without_starttls_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _configure(tmp_path, monkeypatch, port)
        crm(db_url, "meet", "add", "Kickoff", "--at", _soon(20))
        code, _, err = crm(db_url, "remind")
        assert code == 1 and "does not offer STARTTLS" in err
        assert inbox.messages == []
    finally:
        controller.stop()


def test_no_way_to_send_is_one_clear_line(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[remind]\ndesktop = false\n", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    crm(db_url, "meet", "add", "Kickoff", "--at", _soon(20))
    code, _, err = crm(db_url, "remind")
    assert code == 1 and err.startswith("crm: error: nothing to send reminders with")
    config.write_text('[remind]\npassword = "hunter2"\n', encoding="utf-8")
    code, _, err = crm(db_url, "remind")
    assert code == 1 and "keep it out of the file" in err and "hunter2" not in err


class _Notifications:
    """A stand-in for the desktop's notification service, on a private session bus."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.shown: list[tuple[str, str]] = []
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        from jeepney import MessageType, new_method_return
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        with open_dbus_connection(bus=self.address) as connection:
            connection.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
            self.ready.set()
            while not self.stop.is_set():
                try:
                    message = connection.receive(timeout=0.2)
                except TimeoutError:
                    continue
                header = message.header
                if header.message_type is MessageType.method_call:
                    if header.fields.get(3) == "Notify":  # 3: the member called
                        self.shown.append((message.body[3], message.body[4]))
                    connection.send(new_method_return(message, "u", (len(self.shown),)))


@pytest.fixture
def session_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Notifications]:
    daemon = subprocess.Popen(
        [
            "dbus-daemon",
            "--session",
            "--nofork",
            "--print-address=1",
            f"--address=unix:path={tmp_path / 'bus'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # it warns that a container caps its open files
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    service = _Notifications(address)
    service.thread.start()
    assert service.ready.wait(10)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield service
    service.stop.set()
    service.thread.join(5)
    daemon.terminate()
    daemon.wait(5)


def test_a_desktop_session_shows_each_reminder_once(
    db_url: str, session_bus: _Notifications, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[remind]\nminutes_before = 60\n", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    crm(db_url, "meet", "add", "Kickoff", "--at", _soon(30))
    crm(db_url, "meet", "add", "Review", "--at", _soon(45))
    code, out, err = crm(db_url, "remind")
    assert (code, out, err) == (0, "sent 2 reminders by desktop\n", "")
    assert crm(db_url, "remind")[1] == "nothing to remind\n"
    assert [summary for summary, _ in session_bus.shown] == ["crm reminder"] * 2
    assert ["Kickoff" in session_bus.shown[0][1], "Review" in session_bus.shown[1][1]] == [
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        ("smtp_port = 99999", "remind.smtp_port must be a port number from 0 to 65535"),
        ('smtp_port = "587"', "remind.smtp_port must be a port number"),
        ("task_hour = 24", "remind.task_hour must be an hour from 0 to 23"),
        ("starttls = 1", "remind.starttls must be true or false"),
        ("minutes_before = true", "remind.minutes_before must be a whole number of minutes"),
        ('smtp_server = "x"', "unknown setting remind.smtp_server"),
    ],
)
def test_a_remind_setting_crm_cannot_use_is_named(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: str, said: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[remind]\n{lines}\n", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    code, _, err = crm(db_url, "remind", "--dry-run")
    assert code == 1 and said in err


def test_a_birthday_is_reminded_the_set_days_ahead_once(
    db_url: str, mail_server: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, monkeypatch, mail_server.port, task_hour=0)
    # birthday_days is a top-level setting: written above [remind].
    text = (tmp_path / "config.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text("birthday_days = 2\n" + text, encoding="utf-8")
    born = (dt.date.today() + timedelta(days=2)).replace(year=1990)
    crm(db_url, "contacts", "add", "Sara", "--birthday", born.isoformat())
    assert crm(db_url, "remind")[1] == "sent 1 reminder by email\n"
    assert "birthday" in mail_server.inbox.bodies()[0] and "Sara" in mail_server.inbox.bodies()[0]
    assert crm(db_url, "remind")[1] == "nothing to remind\n"
