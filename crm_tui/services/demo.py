"""A believable small business, generated deterministically (same seed, same data).

Contacts and interactions are written in bulk (Core executemany in chunks, explicit ids)
so ``crm demo --contacts 100000`` stays quick; the few projects and tasks go through the
task services like any other.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from crm_tui.errors import CrmError
from crm_tui.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Interaction,
    InteractionContact,
    Organization,
    Tag,
    TeamMember,
)
from crm_tui.schemas import TaskCreate
from crm_tui.search import index as search
from crm_tui.search.document import contact_text, interaction_text
from crm_tui.services import demo_data, demo_data_fa
from crm_tui.services.common import (
    bulk_insert,
    bulk_writes,
    indexes_built_after,
    reset_id_sequences,
)
from crm_tui.services.demo_appointments import write_appointments
from crm_tui.services.demo_deals import write_deals
from crm_tui.services.projects import create_project
from crm_tui.services.tasks import create_follow_up, create_task, list_tasks
from crm_tui.services.templates import StepSpec, save_template
from crm_tui.text import fold, sort_key
from crm_tui.validation import normalize_email, normalize_phone

CHUNK = 2_000
DEFAULT_CONTACTS = 60
INTERACTIONS_PER_CONTACT = 3
DUPLICATES = 3  # the last contacts repeat early ones, so the duplicates view has work
Progress = Callable[[str, int, int], None]

_CHANNELS = ["email"] * 30 + ["call"] * 25 + ["meeting"] * 10 + ["chat"] * 12
_CHANNELS += ["sms"] * 8 + ["social"] * 5 + ["note"] * 8 + ["other"] * 2
_STATUSES = ["lead"] * 35 + ["prospect"] * 20 + ["customer"] * 35 + ["inactive"] * 10
# The demo businesses: their people, companies, words and work (``crm demo --locale``).
LOCALES: dict[str, ModuleType] = {"mixed": demo_data, "fa": demo_data_fa}
_ASCII = str.maketrans({"ø": "o", "ß": "ss", "ł": "l", "đ": "d", "æ": "ae", "ı": "i"})


@dataclass
class DemoSummary:
    contacts: int = 0
    organizations: int = 0
    interactions: int = 0
    complaints: int = 0
    projects: int = 0
    tasks: int = 0
    members: int = 0
    templates: int = 0
    deals: int = 0
    appointments: int = 0


@dataclass
class _Person:
    first: str
    last: str
    name: str
    local: str
    script: str


def _ascii(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.lower().translate(_ASCII))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _person(rng: random.Random, pool: ModuleType) -> _Person:
    scripts, weights = zip(*pool.SCRIPTS.items(), strict=True)
    script = rng.choices(scripts, weights=weights)[0]
    if script == "latin":
        first, last = rng.choice(pool.PEOPLE_LATIN)[0], rng.choice(pool.PEOPLE_LATIN)[1]
        return _Person(first, last, f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}", script)
    people = {"persian": pool.PEOPLE_PERSIAN, "arabic": pool.PEOPLE_ARABIC, "cjk": pool.PEOPLE_CJK}
    first, last = rng.choice(people[script])[0], rng.choice(people[script])[1]
    name = f"{last}{first}" if script == "cjk" else f"{first} {last}"
    return _Person(first, last, name, pool.ROMAN.get(first, "client"), script)


def _phone(rng: random.Random, script: str, pool: ModuleType) -> str:
    digits = f"{rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
    if script == "persian" and rng.random() < 0.3:
        return "۰۹۱۲ " + "".join(chr(0x06F0 + int(d)) if d.isdigit() else d for d in digits)
    return f"{pool.COUNTRY_PREFIX[script]} {digits}"


def _email_rows(contact_id: int, emails: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "contact_id": contact_id,
            "value": v,
            "normalized": fold(v),
            "label": label,
            "position": i,
        }
        for i, (v, label) in enumerate(zip(emails, ["work", "home"], strict=False))
    ]


def _phone_rows(contact_id: int, phones: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "contact_id": contact_id,
            "value": v,
            "normalized": normalize_phone(v).key,
            "label": "mobile",
            "position": i,
        }
        for i, v in enumerate(phones)
    ]


class _Generator:
    """Draws contacts and interactions from one seeded random stream."""

    def __init__(
        self,
        seed: int,
        now: datetime,
        member_ids: list[int],
        tag_ids: list[int],
        pool: ModuleType,
    ):
        self.rng = random.Random(seed)
        self.pool = pool
        self.now = now
        self.member_ids = member_ids
        self.tag_ids = tag_ids
        self.emails_seen: set[str] = set()
        self.originals: list[tuple[dict[str, Any], list[dict], list[dict]]] = []

    def duplicate(
        self, contact_id: int, which: int
    ) -> tuple[dict[str, Any], list[dict], list[dict], list[int]]:
        """A second record of an early contact, as real address books have them: the same
        email written differently, the same phone, or the name with a typo."""
        row, emails, phones = self.originals[which]
        copy = {**row, "id": contact_id, "notes": "", "custom": {}}
        new_emails: list[dict[str, Any]] = []
        new_phones: list[dict[str, Any]] = []
        if which == 0 and emails:
            value = normalize_email(emails[0]["value"].upper()).value  # "ANA@example.com"
            new_emails = [{**emails[0], "contact_id": contact_id, "value": value}]
        elif which == 1 and phones:
            new_phones = [{**phones[0], "contact_id": contact_id, "label": "work"}]
        else:
            name = row["name"]
            copy["name"] = name[:-2] + name[-1] if len(name) > 4 else name + "a"
            copy["sort_name"] = sort_key(copy["name"])
        copy["email"] = new_emails[0]["value"] if new_emails else ""
        copy["phone"] = new_phones[0]["value"] if new_phones else ""
        return copy, new_emails, new_phones, []

    def contact(self, contact_id: int) -> tuple[dict[str, Any], list[dict], list[dict], list[int]]:
        # The helpers draw from ``rng`` in the order this code always has: reordering the
        # draws would change every contact a seed makes.
        rng, pool = self.rng, self.pool
        person = _person(rng, pool)
        org_index, org_name, domain = self._organization()
        emails = self._emails(person, contact_id, domain)
        phones = [_phone(rng, person.script, pool)] if rng.random() < 0.85 else []
        tag_ids = rng.sample(self.tag_ids, k=rng.choice([0, 0, 1, 1, 2]))
        custom = self._custom()
        now = self.now
        created = now - timedelta(days=rng.randrange(30, 900))
        row = {
            "id": contact_id,
            "name": person.name,
            "sort_name": sort_key(person.name),
            "first_name": person.first,
            "last_name": person.last,
            "organization_id": org_index + 1 if org_index is not None else None,
            "organization_name": org_name,
            "sort_org": sort_key(org_name),
            "title": rng.choice(pool.TITLES) if rng.random() < 0.6 else "",
            "email": emails[0],
            "phone": phones[0] if phones else "",
            "tags": "",  # filled in by the caller, which knows the tag names
            "address": self._address(),
            "website": "",
            "birthday": None,
            "status": rng.choice(_STATUSES),
            "source": rng.choice(pool.SOURCES) if rng.random() < 0.6 else "",
            "notes": rng.choice(pool.NOTES),
            "custom": custom,
            "owner_id": (owner := rng.choice(self.member_ids)),
            "created_by_id": owner,
            "updated_by_id": owner,
            "created_at": created,
            "updated_at": created,
            "last_contacted_at": None,
        }
        email_rows = _email_rows(contact_id, emails)
        phone_rows = _phone_rows(contact_id, phones)
        if len(self.originals) < 3:
            self.originals.append((row, email_rows, phone_rows))
        return row, email_rows, phone_rows, tag_ids

    def _organization(self) -> tuple[int | None, str, str]:
        """Where most contacts work (index, name, mail domain); the rest get a mail
        provider's domain."""
        rng, pool = self.rng, self.pool
        org_index = rng.randrange(len(pool.ORGANIZATIONS)) if rng.random() < 0.7 else None
        org_name, domain = pool.ORGANIZATIONS[org_index] if org_index is not None else ("", "")
        domain = domain or rng.choice(["mail.example", "post.example", "inbox.example"])
        return org_index, org_name, domain

    def _emails(self, person: _Person, contact_id: int, domain: str) -> list[str]:
        """A work address (unique: a namesake's gets the contact id), sometimes a home one."""
        local = (
            person.local if person.local not in self.emails_seen else f"{person.local}{contact_id}"
        )
        self.emails_seen.add(local)
        emails = [f"{local}@{domain}"]
        if self.rng.random() < 0.2:
            emails.append(f"{local}@home.example")
        return emails

    def _custom(self) -> dict[str, str]:
        """Some of the pool's custom fields, each on its own share of contacts."""
        rng, pool = self.rng, self.pool
        custom: dict[str, str] = {}
        city, subscription, vat = pool.CUSTOM_FIELDS
        if rng.random() < 0.4:
            custom[city] = rng.choice(pool.CITIES)
        if rng.random() < 0.15:
            custom[subscription] = f"A-{rng.randrange(1000, 9999)}"
        if rng.random() < 0.1:
            custom[vat] = f"{pool.VAT_PREFIX}{rng.randrange(10**8, 10**9)}"
        return custom

    def _address(self) -> str:
        rng, pool = self.rng, self.pool
        if rng.random() < 0.3:
            return pool.ADDRESS.format(number=rng.randrange(1, 200), city=rng.choice(pool.CITIES))
        return ""

    def moment(self) -> datetime:
        """A working-hours moment in the past year; complaints cluster around the holidays."""
        rng = self.rng
        days = rng.randrange(0, 365)
        day = (self.now - timedelta(days=days)).date()
        if day.weekday() >= 5 and rng.random() < 0.7:
            day -= timedelta(days=day.weekday() - 4)
        local = datetime.combine(day, time(rng.randrange(8, 19), rng.randrange(0, 60)))
        return min(local.astimezone(UTC), self.now - timedelta(minutes=5))

    def interaction(self, interaction_id: int, contact_id: int) -> dict[str, Any]:
        rng, pool = self.rng, self.pool
        when = self.moment()
        seasonal = 0.10 if when.month in (12, 1) else 0.03
        complaint = rng.random() < seasonal
        if complaint:
            channel = rng.choice(["email", "call", "chat"])
            subject, body = rng.choice(pool.COMPLAINTS)
            sentiment: str | None = "negative"
        else:
            channel = rng.choice(_CHANNELS)
            subject, body = rng.choice(pool.SUBJECTS[channel])
            sentiment = rng.choices(["positive", "neutral", "negative", None], [35, 45, 8, 12])[0]
        resolved_at = None
        if complaint and rng.random() < 0.6:
            resolved = when + timedelta(days=rng.randrange(1, 12), hours=rng.randrange(0, 8))
            resolved_at = resolved if resolved < self.now else None
        author = rng.choice(self.member_ids)
        return {
            "id": interaction_id,
            "contact_id": contact_id,
            "occurred_at": when,
            "channel": channel,
            "direction": rng.choice(["in", "out", "out"]),
            "subject": subject,
            "body": body,
            "sentiment": sentiment,
            "complaint": complaint,
            "resolved_at": resolved_at,
            "resolved_by_id": author if resolved_at else None,
            "author_id": author,
            "created_at": when,
            "updated_at": when,
        }


def _ranges(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


def _fixed_rows(
    session: Session, now: datetime, pool: ModuleType
) -> tuple[list[int], dict[int, str]]:
    members = [
        {
            "id": i,
            "name": name,
            "username": user,
            "initials": short,
            "email": f"{user}@{pool.TEAM_DOMAIN}",
            "active": True,
            "created_at": now,
        }
        for i, (name, user, short) in enumerate(pool.TEAM, start=1)
    ]
    bulk_insert(session=session, model=TeamMember, rows=members)
    bulk_insert(
        session=session,
        model=Organization,
        rows=[
            {
                "id": i,
                "name": name,
                "sort_name": sort_key(name),
                "website": f"https://{domain}",
                "created_at": now,
                "updated_at": now,
            }
            for i, (name, domain) in enumerate(pool.ORGANIZATIONS, start=1)
        ],
    )
    tags = {i: name for i, name in enumerate(pool.TAGS, start=1)}
    bulk_insert(
        session=session,
        model=Tag,
        rows=[{"id": i, "name": n, "key": fold(n)} for i, n in tags.items()],
    )
    return list(range(1, len(members) + 1)), tags


def _write_people(
    session: Session,
    gen: _Generator,
    contacts: int,
    interactions: int,
    tags: dict[int, str],
    progress: Progress | None,
    writing: search.Bulk,
) -> int:
    """Contacts and their interactions, a chunk of contacts at a time; returns complaints."""
    complaints, next_interaction = 0, 1
    for start, end in _ranges(contacts, CHUNK):
        rows, emails, phones, links = [], [], [], []
        for contact_id in range(start + 1, end + 1):
            duplicate = contact_id - (contacts - DUPLICATES)
            if duplicate > 0:
                row, email_rows, phone_rows, tag_ids = gen.duplicate(contact_id, duplicate - 1)
            else:
                row, email_rows, phone_rows, tag_ids = gen.contact(contact_id)
            row["tags"] = ", ".join(sorted((tags[t] for t in tag_ids), key=fold))
            rows.append(row)
            emails += email_rows
            phones += phone_rows
            links += [{"contact_id": contact_id, "tag_id": t} for t in tag_ids]
        share = interactions * end // contacts - interactions * start // contacts
        events = []
        for _ in range(share):
            contact = rows[gen.rng.randrange(len(rows))]
            event = gen.interaction(next_interaction, contact["id"])
            next_interaction += 1
            events.append(event)
            complaints += event["complaint"]
            last = contact["last_contacted_at"]
            if last is None or event["occurred_at"] > last:
                contact["last_contacted_at"] = event["occurred_at"]
        _insert_chunk(session, writing, rows, emails, phones, links, events)
        if progress:
            progress("contacts", end, contacts)
    return complaints


def _insert_chunk(
    session: Session,
    writing: search.Bulk,
    rows: list,
    emails: list,
    phones: list,
    links: list,
    events: list,
) -> None:
    bulk_insert(session=session, model=Contact, rows=rows)
    bulk_insert(session=session, model=ContactEmail, rows=emails)
    bulk_insert(session=session, model=ContactPhone, rows=phones)
    bulk_insert(session=session, model=ContactTag, rows=links)
    bulk_insert(session=session, model=Interaction, rows=events)
    bulk_insert(
        session=session,
        model=InteractionContact,
        rows=[{"interaction_id": e["id"], "contact_id": e["contact_id"]} for e in events],
    )
    labeled: dict[int, dict[str, list[str]]] = {
        row["id"]: {"emails": [], "phones": []} for row in rows
    }
    for email in emails:
        labeled[email["contact_id"]]["emails"].append(email["value"])
    for phone in phones:
        labeled[phone["contact_id"]]["phones"].extend((phone["value"], phone["normalized"]))
    writing.add_contacts(
        [
            (
                row["id"],
                row["sort_name"],
                contact_text(row, row["organization_name"], labeled[row["id"]]),
            )
            for row in rows
        ]
    )
    writing.add_interactions([(e["id"], interaction_text(e["subject"], e["body"])) for e in events])


def _write_work(
    session: Session, today: date, rng: random.Random, pool: ModuleType
) -> tuple[int, int, int]:
    """Templates, projects with dependent tasks, follow-ups and a few loose tasks."""
    for name, description, steps in pool.TEMPLATES:
        save_template(
            session=session,
            name=name,
            description=description,
            steps=[
                StepSpec(title=t, offset_days=o, duration_days=d, depends_on=deps, milestone=m)
                for t, o, d, deps, m in steps
            ],
        )
    members = [1, 2, 3]
    for index, (project_name, org_name, steps) in enumerate(pool.PROJECTS):
        contact_id = session.scalar(
            select(Contact.id).where(Contact.organization_name == org_name).order_by(Contact.id)
        )
        project = create_project(
            session=session,
            name=project_name,
            contact_id=contact_id,
            start=today + timedelta(days=steps[0][1]),
        )
        created: list[int] = []
        for title, offset, length, deps, milestone in steps:
            begins = today + timedelta(days=offset)
            ends = begins + timedelta(days=max(length - 1, 0))
            done = ends < today
            progress = (
                100 if done else max(0, min(90, (today - begins).days * 100 // max(length, 1)))
            )
            task = create_task(
                session=session,
                data=TaskCreate.build(
                    title=title,
                    start_date=begins,
                    due_date=ends,
                    milestone=milestone,
                    status="done" if done else ("doing" if progress else "todo"),
                    progress=progress,
                    project_id=project.id,
                    contact_id=contact_id,
                    assignee_id=members[(index + len(created)) % 3],
                    depends_on=[created[d] for d in deps],
                    estimate_hours=float(max(length, 1) * 3),
                ),
            )
            created.append(task.id)
    _follow_ups(session, today, rng)
    _loose_tasks(session, today, rng, pool.LOOSE_TASKS)
    return len(pool.PROJECTS), len(list_tasks(session=session)), len(pool.TEMPLATES)


def _follow_ups(session: Session, today: date, rng: random.Random) -> None:
    recent = session.scalars(
        select(Interaction.id).order_by(col(Interaction.occurred_at).desc()).limit(40)
    ).all()
    for interaction_id in sorted(rng.sample(list(recent), k=min(6, len(recent)))):
        create_follow_up(
            session=session,
            interaction_id=interaction_id,
            due=today + timedelta(days=rng.randrange(-3, 6)),
            assignee_id=rng.choice([1, 2, 3]),
        )


def _loose_tasks(session: Session, today: date, rng: random.Random, titles: Sequence[str]) -> None:
    for i, title in enumerate(titles):
        contact_id = rng.randrange(1, 20)
        status = ["todo", "doing", "blocked", "todo"][i % 4]
        create_task(
            session=session,
            data=TaskCreate.build(
                title=title,
                due_date=today + timedelta(days=rng.randrange(-5, 12)),
                status=status,
                contact_id=contact_id,
                priority=i % 4,
                assignee_id=rng.choice([1, 2, 3]),
            ),
        )


def build_demo(
    *,
    session: Session,
    contacts: int = DEFAULT_CONTACTS,
    interactions: int | None = None,
    seed: int = 7,
    locale: str = "mixed",
    today: date | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo business: a year of work up to ``today``
    17:30, or up to ``now`` when that is earlier (nothing is logged in the future).
    ``locale``: "mixed" (people and words from four scripts), "fa" (a Persian business)."""
    if locale not in LOCALES:
        raise CrmError(f"no demo locale {locale!r} (choose {', '.join(LOCALES)})")
    pool = LOCALES[locale]
    existing = session.scalar(select(func.count()).select_from(Contact)) or 0
    if existing:
        raise CrmError(
            f"the database already holds {existing} contacts; run the demo on a new database "
            "(crm --db demo.db demo)"
        )
    if contacts < 20:
        raise CrmError("the demo needs at least 20 contacts")
    real_now = now or datetime.now(UTC)
    today = today or real_now.astimezone().date()
    now = min(datetime.combine(today, time(17, 30)).astimezone(UTC), real_now)
    interactions = contacts * INTERACTIONS_PER_CONTACT if interactions is None else interactions
    member_ids, tags = _fixed_rows(session, now, pool)
    gen = _Generator(seed, now, member_ids, list(tags), pool)
    bulk_tables = (Contact, ContactEmail, ContactPhone, ContactTag, Interaction, InteractionContact)
    with (
        indexes_built_after(session=session, models=bulk_tables),
        bulk_writes(session=session),
        search.bulk(session=session, expected=contacts) as writing,
    ):
        complaints = _write_people(session, gen, contacts, interactions, tags, progress, writing)
    reset_id_sequences(
        session=session, tables=("team_member", "organization", "tag", "contact", "interaction")
    )
    projects, tasks, templates = _write_work(session, today, gen.rng, pool)
    deals = write_deals(
        session=session,
        contacts=contacts - DUPLICATES,
        seed=seed,
        now=now,
        member_ids=member_ids,
        pool=pool,
    )
    appointments = write_appointments(
        session=session,
        contacts=contacts - DUPLICATES,
        seed=seed,
        today=today,
        member_ids=member_ids,
        pool=pool,
    )
    return DemoSummary(
        contacts=contacts,
        organizations=len(pool.ORGANIZATIONS),
        interactions=interactions,
        complaints=complaints,
        projects=projects,
        tasks=tasks,
        members=len(member_ids),
        templates=templates,
        deals=deals,
        appointments=appointments,
    )
