"""``crm contacts …``: list, show, add, edit, delete, restore, tag, find duplicates, merge."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import typer

from crm_tui import display
from crm_tui.commands.common import (
    JsonOption,
    an_id,
    command_group,
    echo,
    hint_if_misspelt,
    labeled,
    one_line,
    parse_pairs,
    plain_console,
    print_json,
    say_jalali,
    segment_rule,
    shown,
    state,
    warn,
)
from crm_tui.commands.tables import write_json_array, write_table
from crm_tui.shown import contact_lines, long_texts
from crm_tui.text import for_terminal, plural

if TYPE_CHECKING:
    from crm_tui.schemas import ContactRead, TimelineEntry

app = command_group("Find, show, add and edit contacts.", no_args_is_help=True)

SORTS = ["name", "organization", "email", "phone", "tags", "last_contacted"]
STATUSES = ["lead", "prospect", "customer", "inactive"]
DEFAULT_LIMIT = 100  # `contacts list` without --limit: a screenful, not a dump
LIST_COLUMNS = ("ID", "Name", "Organization", "Email", "Phone", "Tags")


StatusOpt = typer.Option(None, "--status", help="lead, prospect, customer or inactive.")


def _status(value: str | None) -> str | None:
    if value is not None and value not in STATUSES:
        raise typer.BadParameter(f"choose one of {', '.join(STATUSES)}", param_hint="--status")
    return value


SegmentOpt = typer.Option(
    None, "--segment", metavar="NAME", help="Only the contacts of this saved segment."
)
RuleOpt = typer.Option(
    None, "--rule", metavar="RULE", help='Only those a rule holds, e.g. "tag:vip won:>=2".'
)


@app.command("list")
def list_(
    ctx: typer.Context,
    search: str = typer.Option("", "--search", "-s", help="Words to find in any field."),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only contacts with this tag."),
    status: str | None = typer.Option(
        None, "--status", help="lead, prospect, customer or inactive."
    ),
    sort: str = typer.Option("name", "--sort", help=f"One of: {', '.join(SORTS)}."),
    desc: bool = typer.Option(False, "--desc", help="Reverse the order."),
    limit: int = typer.Option(
        DEFAULT_LIMIT,
        "--limit",
        "-n",
        min=0,
        metavar="N",
        help=f"At most this many (default {DEFAULT_LIMIT}; 0: all). A listing cut short says "
        "how many there are.",
    ),
    trash: bool = typer.Option(False, "--trash", help="List the trash instead."),
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    as_json: bool = JsonOption,
) -> None:
    """List contacts, optionally searched and filtered.

    Rows are written as they are read: `| head` gets its lines at once."""
    from crm_tui.services import contacts

    if sort not in SORTS:
        raise typer.BadParameter(f"choose one of {', '.join(SORTS)}", param_hint="--sort")
    query = contacts.ContactQuery(
        search=search,
        tag=tag,
        status=_status(status),
        sort=contacts.ContactSort(sort),
        descending=desc,
        trash=trash,
    )
    from crm_tui import collector

    # Rows are freed as they are written: the cyclic collector would only walk them.
    from crm_tui.services.common import bulk_reads

    with collector.paused(), state(ctx).read() as session, bulk_reads(session=session):
        query = replace(query, rule=segment_rule(session, segment, rule))
        pages = contacts.Listing(session, query, limit, whole=as_json)
        if as_json:
            listed = write_json_array(pages)
        else:
            listed = write_table(LIST_COLUMNS, ([_cells(row) for row in page] for page in pages))
        more = pages.cut
        total = contacts.count_contacts(session=session, query=query) if more else listed
        hint_if_misspelt(session, query.rule, total)
    summary = (
        f"{display.number(listed)} of {display.number(total)} contacts (--limit 0 lists all)"
        if more
        else None
    )
    if as_json:
        if summary:
            warn(summary)
    else:
        echo(summary or plural(listed, "contact"))


def _cells(row: Any) -> list[str]:
    return [
        display.digits(str(row.id)),
        row.name,
        row.organization,
        row.email,
        row.phone,
        ", ".join(row.tags),
    ]


@app.command()
def show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="An id, an email or a name."),
    as_json: bool = JsonOption,
) -> None:
    """Show one contact with its timeline."""
    from crm_tui.services.birthdays import dates_of
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.timeline import contact_timeline

    with state(ctx).read() as session:
        contact = resolve_contact(session=session, ref=ref)
        timeline = contact_timeline(session=session, contact_id=contact.id, limit=20)
        dates = dates_of(session=session, contact_id=contact.id)
    if as_json:
        data = contact.model_dump(mode="json")
        data["dates"] = [{"label": d.label, "day": display.birthday_field(d.day)} for d in dates]
        data["timeline"] = [entry.model_dump(mode="json") for entry in timeline]
        print_json(data)
        return
    _print_contact(contact, timeline, [(d.label, display.birthday(d.day)) for d in dates])


def _print_contact(
    contact: ContactRead, timeline: list[Any], dates: list[tuple[str, str]] | None = None
) -> None:
    console = plain_console()
    console.print(
        f"{shown(one_line(contact.name))}  ({display.ident(contact.id)}, {contact.status}, "
        f"version {display.digits(str(contact.version))})"
    )
    fields = contact_lines(contact) + (dates or []) + long_texts(contact)
    indent = "\n" + " " * 17  # a value's further lines (notes) under its first
    for label, value in fields:
        if value:
            text = shown(for_terminal(str(value))).replace("\n", indent)
            console.print(f"  {shown(one_line(label)):<14} {text}")
    if timeline:
        console.print("Timeline:")
    for entry in timeline:
        console.print(f"  {timeline_line(entry)}")


def timeline_line(entry: TimelineEntry) -> str:
    """Local time for an interaction, the day alone for a task (its due day has no time)."""
    if entry.kind == "interaction":
        moment, kind = display.moment(entry.at), entry.channel or ""
    elif entry.kind == "appointment":
        moment, kind = display.moment(entry.at), f"{entry.channel}/booked"
    elif entry.kind == "deal":
        moment, kind = display.moment(entry.at), f"deal/{entry.status}"
        flag = f"  {display.digits(entry.detail)}"
        return f"{moment:<16}  {kind:<11} {shown(one_line(entry.title))}{flag}"
    else:
        moment, kind = display.moment(entry.at, with_time=False), f"task/{entry.status}"
    flag = f"  [{entry.complaint_state}]" if entry.complaint else ""
    return f"{moment:<16}  {kind:<11} {shown(one_line(entry.title))}{flag}"


def _contact_fields(
    *,
    name: str | None,
    first: str | None,
    last: str | None,
    org: str | None,
    title: str | None,
    emails: list[str] | None,
    phones: list[str] | None,
    tags: list[str] | None,
    fields: list[str] | None,
    status: str | None,
    notes: str | None,
    source: str | None,
    website: str | None,
    address: str | None,
    birthday: str | None,
) -> dict[str, Any]:
    say_jalali(birthday)
    values: dict[str, Any] = {
        "birthday": (birthday or None) if birthday is not None else None,
        "name": name,
        "first_name": first,
        "last_name": last,
        "organization": org,
        "title": title,
        "status": _status(status),
        "notes": notes,
        "source": source,
        "website": website,
        "address": address,
        "emails": labeled(emails) if emails else None,
        "phones": labeled(phones) if phones else None,
        "tags": tags,
        "custom": parse_pairs(fields, what="--field") if fields else None,
    }
    kept = {key: value for key, value in values.items() if value is not None}
    if birthday == "":
        kept["birthday"] = None  # cleared
    return kept


def _references(session: Any, owner: str | None, referred_by: str | None) -> dict[str, Any]:
    """--owner and --referred-by as the ids they name ('' clears them)."""
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.team import find_member

    found: dict[str, Any] = {}
    if owner is not None:
        found["owner_id"] = find_member(session=session, ref=owner).id if owner else None
    if referred_by is not None:
        referrer = resolve_contact(session=session, ref=referred_by) if referred_by else None
        found["referred_by_id"] = referrer.id if referrer else None
    return found


NameArg = typer.Argument(None, help='Full name, e.g. "Sara Ahmadi".')
FirstOpt = typer.Option(None, "--first", help="First name.")
LastOpt = typer.Option(None, "--last", help="Last name.")
OrgOpt = typer.Option(None, "--org", help="Organization (created if new).")
TitleOpt = typer.Option(None, "--title", help="Job title.")
EmailOpt = typer.Option(
    None,
    "--email",
    "-e",
    metavar="[LABEL:]EMAIL",
    help="Email, optionally labelled: work:a@b.example.",
)
PhoneOpt = typer.Option(
    None,
    "--phone",
    "-p",
    metavar="[LABEL:]PHONE",
    help="Phone, optionally labelled: mobile:+98 912…",
)
TagOpt = typer.Option(None, "--tag", "-t", metavar="TAG", help="A tag (repeatable).")
FieldOpt = typer.Option(
    None, "--field", "-f", metavar="NAME=VALUE", help="A custom field (repeatable)."
)
NotesOpt = typer.Option(None, "--notes", help="Free-form notes.")
SourceOpt = typer.Option(None, "--source", help="Where the contact came from.")
WebsiteOpt = typer.Option(None, "--website", help="Website address.")
AddressOpt = typer.Option(None, "--address", help="Postal address.")
BirthdayOpt = typer.Option(
    None,
    "--birthday",
    metavar="DATE",
    help="YYYY-MM-DD (a year below 1700 is Jalali), or --MM-DD without a year "
    "(write --birthday=--12-24); '' clears it.",
)
OwnerOpt = typer.Option(
    None, "--owner", metavar="MEMBER", help="Team member who owns it ('' for nobody)."
)
TouchOpt = typer.Option(
    None,
    "--touch-every",
    min=0,
    max=3650,
    metavar="DAYS",
    help="Keep in touch every DAYS days (0: by its tags, as without).",
)
ReferredOpt = typer.Option(
    None, "--referred-by", metavar="REF", help="The contact who referred it ('' for none)."
)


@app.command()
def add(
    ctx: typer.Context,
    name: str | None = NameArg,
    first: str | None = FirstOpt,
    last: str | None = LastOpt,
    org: str | None = OrgOpt,
    title: str | None = TitleOpt,
    email: list[str] | None = EmailOpt,
    phone: list[str] | None = PhoneOpt,
    tag: list[str] | None = TagOpt,
    field: list[str] | None = FieldOpt,
    status: str | None = StatusOpt,
    notes: str | None = NotesOpt,
    source: str | None = SourceOpt,
    website: str | None = WebsiteOpt,
    address: str | None = AddressOpt,
    birthday: str | None = BirthdayOpt,
    touch_every: int | None = TouchOpt,
    owner: str | None = OwnerOpt,
    referred_by: str | None = ReferredOpt,
    as_json: bool = JsonOption,
) -> None:
    """Add a contact; prints its id (the whole contact with --json)."""
    from crm_tui.schemas import ContactCreate
    from crm_tui.services.contacts import create_contact

    cli = state(ctx)
    values = _contact_fields(
        name=name,
        first=first,
        last=last,
        org=org,
        title=title,
        emails=email,
        phones=phone,
        tags=tag,
        fields=field,
        status=status,
        notes=notes,
        source=source,
        website=website,
        address=address,
        birthday=birthday,
    )
    if touch_every is not None:
        values["touch_every"] = touch_every or None
    with cli.write() as session:
        values |= _references(session, owner, referred_by)
        data = ContactCreate.build(cli.settings.default_region, **values)
        contact = create_contact(session=session, data=data, actor_id=cli.actor_id(session))
    if as_json:
        print_json(contact)
    else:
        echo(f"added contact #{contact.id} {contact.name}")


@app.command()
def edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="An id, an email or a name."),
    name: str | None = typer.Option(None, "--name", help="New full name."),
    first: str | None = FirstOpt,
    last: str | None = LastOpt,
    org: str | None = OrgOpt,
    title: str | None = TitleOpt,
    email: list[str] | None = typer.Option(
        None, "--email", "-e", metavar="[LABEL:]EMAIL", help="Replace the emails."
    ),
    phone: list[str] | None = typer.Option(
        None, "--phone", "-p", metavar="[LABEL:]PHONE", help="Replace the phones."
    ),
    tag: list[str] | None = typer.Option(
        None, "--tag", "-t", metavar="TAG", help="Replace the tags."
    ),
    field: list[str] | None = typer.Option(
        None,
        "--field",
        "-f",
        metavar="NAME=VALUE",
        help="Set a custom field (an empty VALUE removes it).",
    ),
    status: str | None = StatusOpt,
    notes: str | None = NotesOpt,
    source: str | None = SourceOpt,
    website: str | None = WebsiteOpt,
    address: str | None = AddressOpt,
    birthday: str | None = BirthdayOpt,
    touch_every: int | None = TouchOpt,
    owner: str | None = OwnerOpt,
    referred_by: str | None = ReferredOpt,
    if_version: int | None = typer.Option(
        None,
        "--if-version",
        callback=an_id,
        metavar="VERSION",
        help="Refuse if the contact changed since this version.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Change fields of a contact; fields not given keep their value."""
    from crm_tui.schemas import ContactUpdate
    from crm_tui.services.contacts import resolve_contact, update_contact

    cli = state(ctx)
    values = _contact_fields(
        name=name,
        first=first,
        last=last,
        org=org,
        title=title,
        emails=email,
        phones=phone,
        tags=tag,
        fields=None,
        status=status,
        notes=notes,
        source=source,
        website=website,
        address=address,
        birthday=birthday,
    )
    if touch_every is not None:
        values["touch_every"] = touch_every or None
    with cli.write() as session:
        contact = resolve_contact(session=session, ref=ref)
        values |= _references(session, owner, referred_by)
        if field:
            values["custom"] = {**contact.custom, **parse_pairs(field, what="--field")}
        changes = ContactUpdate.build(cli.settings.default_region, **values)
        updated = update_contact(
            session=session,
            contact_id=contact.id,
            changes=changes,
            expected_version=if_version,
            actor_id=cli.actor_id(session),
        )
    if as_json:
        print_json(updated)
    else:
        echo(f"updated contact #{updated.id} {updated.name} (version {updated.version})")


@app.command()
def delete(
    ctx: typer.Context,
    refs: list[str] = typer.Argument(..., help="Ids, emails or names."),
) -> None:
    """Move contacts to the trash; 'crm contacts restore' undoes it."""
    from crm_tui.services.contacts import delete_contacts, resolve_contact

    cli = state(ctx)
    with cli.write() as session:
        ids = [resolve_contact(session=session, ref=ref).id for ref in refs]
        count = delete_contacts(session=session, contact_ids=ids, actor_id=cli.actor_id(session))
    echo(f"moved {plural(count, 'contact')} to the trash")


@app.command()
def restore(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., callback=an_id, help="Ids of contacts in the trash."),
) -> None:
    """Bring contacts back from the trash."""
    from crm_tui.services.contacts import restore_contacts

    cli = state(ctx)
    with cli.write() as session:
        count = restore_contacts(session=session, contact_ids=ids, actor_id=cli.actor_id(session))
    echo(f"restored {plural(count, 'contact')}")


@app.command("tag")
def tag_(
    ctx: typer.Context,
    tag: str = typer.Argument(..., help="The tag."),
    refs: list[str] | None = typer.Argument(None, help="Ids, emails or names."),
    remove: bool = typer.Option(False, "--remove", help="Take the tag off instead."),
    segment: str | None = SegmentOpt,
) -> None:
    """Tag (or untag) contacts: those named, or a whole segment's.

    Unlike crm bulk tag it does not ask; it is one batch all the same (crm bulk undo)."""
    from crm_tui.commands.bulk import run_action
    from crm_tui.services.bulk import Tag

    if not refs and segment is None:
        raise typer.BadParameter("name the contacts, or give --segment", param_hint="REFS")
    run_action(ctx, Tag(tag, remove=remove), refs, segment, None, yes=True, as_json=False)


@app.command()
def duplicates(
    ctx: typer.Context,
    limit: int = typer.Option(
        200,
        "--limit",
        "-n",
        min=1,
        max=1_000_000,
        metavar="N",
        help="At most this many pairs (default 200); a list cut short says so (200+).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Likely duplicates: the same email or phone, or a close name.

    A close name is nearly the same name, ranked higher at the same organization."""
    from crm_tui.services.merge import find_duplicates

    with state(ctx).read() as session:
        pairs = find_duplicates(session=session, limit=limit + 1)  # one more: are there more?
    more = len(pairs) > limit
    pairs = pairs[:limit]
    if more:
        warn(f"the first {limit:,} pairs; there are more (--limit N shows more)")
    if as_json:
        print_json(
            [
                {"first": p.first, "second": p.second, "reasons": p.reasons, "score": p.score}
                for p in pairs
            ]
        )
        return
    for pair in pairs:
        first, second = pair.first, pair.second
        echo(f"#{first.id} {first.name}  ~  #{second.id} {second.name}   {'; '.join(pair.reasons)}")
    count = plural(len(pairs), "likely duplicate pair")
    echo(count.replace(" ", "+ ", 1) if more else count)


@app.command()
def merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., help="The contact that stays (id, email or name)."),
    other: str = typer.Argument(..., help="The contact merged into it, then removed."),
    as_json: bool = JsonOption,
) -> None:
    """Merge OTHER into KEEP; nothing of either is lost.

    KEEP keeps every email, phone, tag, interaction and task of both; a blank field of KEEP
    takes OTHER's value. 'crm contacts unmerge ID' undoes it."""
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.merge import merge_contacts

    cli = state(ctx)
    with cli.write() as session:
        keep_id = resolve_contact(session=session, ref=keep).id
        other_id = resolve_contact(session=session, ref=other).id
        merge_id, merged = merge_contacts(
            session=session, keep_id=keep_id, other_id=other_id, actor_id=cli.actor_id(session)
        )
    if as_json:
        print_json({"merge_id": merge_id, "contact": merged})
    else:
        echo(f"merged #{other_id} into #{merged.id} {merged.name} (merge #{merge_id})")


@app.command()
def unmerge(
    ctx: typer.Context,
    merge_id: int = typer.Argument(
        ..., callback=an_id, help="The merge's number, as merge printed it."
    ),
) -> None:
    """Undo a merge: the merged contact comes back as it was.

    It takes back what it brought: its emails, phones, tags, interactions and tasks."""
    from crm_tui.services.merge import undo_merge

    cli = state(ctx)
    with cli.write() as session:
        back = undo_merge(session=session, merge_id=merge_id, actor_id=cli.actor_id(session))
    echo(f"undid merge #{merge_id}: #{back.id} {back.name} is back, with what it brought")


@app.command("dates")
def dates_(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="An id, an email or a name."),
    as_json: bool = JsonOption,
) -> None:
    """A contact's yearly dates besides the birthday."""
    from crm_tui.services.birthdays import dates_of
    from crm_tui.services.contacts import resolve_contact

    with state(ctx).read() as session:
        contact = resolve_contact(session=session, ref=ref)
        found = dates_of(session=session, contact_id=contact.id)
    if as_json:
        print_json(
            [{"id": d.id, "label": d.label, "day": display.birthday_field(d.day)} for d in found]
        )
        return
    for one in found:
        echo(f"#{one.id}  {display.birthday(one.day)}  {one.label}")
    if not found:
        echo(f"no yearly dates for {contact.name} (crm contacts add-date adds one)")


@app.command("add-date")
def add_date(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="An id, an email or a name."),
    label: str = typer.Argument(..., help='What it is: "anniversary", "renewal"…'),
    day: str = typer.Argument(..., help="YYYY-MM-DD, or MM-DD without a year."),
) -> None:
    """Add a yearly date (an anniversary), reminded as birthdays are."""
    from crm_tui.dates import DateError, month_day, written_day
    from crm_tui.services.birthdays import add_date as add
    from crm_tui.services.contacts import resolve_contact

    if re.fullmatch(r"\d{1,2}-\d{1,2}", day.strip()):  # "12-08": no year, as "--12-08"
        day = "--" + "-".join(part.zfill(2) for part in day.strip().split("-"))
    try:
        parsed = month_day(day) or written_day(day)
    except DateError as error:
        raise typer.BadParameter(str(error), param_hint="DAY") from None
    if parsed is None:
        raise typer.BadParameter(f"cannot read {day!r} as a day", param_hint="DAY")
    say_jalali(day)
    with state(ctx).write() as session:
        contact = resolve_contact(session=session, ref=ref)
        found = add(session=session, contact_id=contact.id, label=label, day=parsed)
    echo(f"added #{found.id} {found.label} {display.birthday(found.day)} to {contact.name}")


@app.command("drop-date")
def remove_date(
    ctx: typer.Context,
    date_id: int = typer.Argument(..., callback=an_id, help="The date's id (crm contacts dates)."),
) -> None:
    """Remove a yearly date of a contact's."""
    from crm_tui.services.birthdays import remove_date as remove

    with state(ctx).write() as session:
        gone = remove(session=session, date_id=date_id)
    echo(f"removed #{gone.id} {gone.label}")
