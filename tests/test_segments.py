"""Segments (issue 25, first part): the rule language read and written back (a table of valid
and invalid rules), every generated rule's SQL finding exactly what a Python filter over the
same contacts finds (both databases), saved segments and --segment through the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from crm_tui import rules
from crm_tui.db import Database
from crm_tui.rules import RuleError
from crm_tui.schemas import DealCreate, InteractionCreate
from crm_tui.services import deals
from crm_tui.services.contacts import ContactQuery, contact_ids_matching, list_contacts
from crm_tui.services.interactions import create_interaction
from tests.conftest import add_contact
from tests.test_cli import crm


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("status:customer tag:vip", "status:customer tag:vip"),
        ("status:customer AND tag:vip", "status:customer tag:vip"),
        ("tag:vip OR tag:partner", "tag:vip OR tag:partner"),
        ("(tag:vip OR tag:partner) -status:lost", "(tag:vip OR tag:partner) -status:lost"),
        ("NOT (tag:a tag:b)", "NOT (tag:a tag:b)"),
        ("last_contacted:>90d won:>=2", "last_contacted:>90d won:>=2"),
        ('City:"San José"', 'City:"San José"'),
        ('"Renewal month":~jun', '"Renewal month":~jun'),
        ("source:", 'source:""'),
        ("شهر:تهران", "شهر:تهران"),
    ],
)
def test_a_rule_reads_back_as_written(written: str, canonical: str) -> None:
    parsed = rules.parse(written)
    assert rules.text(parsed) == canonical
    assert rules.parse(canonical) == parsed


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("", "the rule is empty"),
        ("vip", "'vip' is not a term: write key:value, e.g. tag:vip"),
        ("(tag:vip", "a '(' is not closed"),
        ("tag:vip)", "unexpected ')'"),
        ("OR tag:x", "'OR' where a term was expected"),
        ("tag:x AND", "the rule ends where a term was expected"),
        (":x", "has no key before ':'"),
        ("(" * 30 + "tag:x" + ")" * 30, "nests at most 20 deep"),
        ("tag:x " * 400, "at most 2,000 characters"),
    ],
)
def test_a_rule_that_cannot_be_read_says_why(written: str, said: str) -> None:
    with pytest.raises(RuleError, match=said.replace("(", r"\(").replace(")", r"\)")):
        rules.parse(written)


@dataclass(frozen=True)
class _Person:
    id: int
    status: str
    tags: frozenset[str]
    source: str
    city: str | None
    won: int
    complaint: str  # "open", "resolved" or ""
    last_days: float | None  # days since last contacted (None: never)
    sentiment: str = ""  # of the last interaction
    older: bool = False  # one more interaction, 400 days ago
    open_deal: str = ""  # "" none, "EUR" 500 EUR in Proposal, "IRR" 1,000,000 IRR in Lead


def _people(session: Session) -> list[_Person]:
    """Contacts of every kind the generated rules ask about."""
    now = datetime.now(UTC)
    people = []
    statuses = ["lead", "prospect", "customer", "inactive"]
    tag_sets = [(), ("vip",), ("vip", "partner"), ("partner",)]
    sources = ["", "Web form", "referral", "WEB"]
    cities = [None, "Tehran", "tehran", "Shiraz", ""]
    for n in range(24):
        city = cities[n % 5]
        custom = {} if city is None else {"City": city, "شهر": city}
        person = _Person(
            id=0,
            status=statuses[n % 4],
            tags=frozenset(tag_sets[n % 4 if n < 16 else (n + 1) % 4]),
            source=sources[(n // 2) % 4],
            city=city,
            won=n % 3,
            complaint=["", "open", "resolved"][(n // 3) % 3],
            last_days=None if n % 7 == 0 else (n * 9) % 200 + 0.5,
            sentiment=["positive", "negative", ""][n % 3],
            older=n % 2 == 0,
            open_deal=["", "EUR", "IRR", ""][n % 4],
        )
        contact = add_contact(
            session,
            f"Person {n}",
            status=person.status,
            tags=list(person.tags),
            source=person.source,
            custom=custom,
        )
        if person.last_days is not None:
            if person.older:
                old = now - timedelta(days=400)
                create_interaction(
                    session=session,
                    data=InteractionCreate.build(
                        contact_ids=[contact], subject="old", occurred_at=old, sentiment="neutral"
                    ),
                )
            when = now - timedelta(days=person.last_days)
            data = InteractionCreate.build(
                contact_ids=[contact],
                subject="call",
                occurred_at=when,
                complaint=bool(person.complaint),
                sentiment=person.sentiment or None,
            )
            logged = create_interaction(session=session, data=data)
            if person.complaint == "resolved":
                from crm_tui.services.interactions import resolve_complaint

                resolve_complaint(session=session, interaction_id=logged.id)
        else:  # no interaction: no complaint, no sentiment, nothing older
            person = _Person(
                **{**person.__dict__, "complaint": "", "sentiment": "", "older": False}
            )
        for _ in range(person.won):
            deal = deals.create_deal(
                session=session,
                data=DealCreate.build(
                    title="Sale", currency="EUR", contact_id=contact, value_minor=100_000
                ),
            )
            deals.win_deal(session=session, deal_id=deal.id)
        if person.open_deal:
            stage = "Proposal" if person.open_deal == "EUR" else "Lead"
            value = 50_000 if person.open_deal == "EUR" else 1_000_000
            stage_id = next(one.id for one in deals.stages(session=session) if one.name == stage)
            deals.create_deal(
                session=session,
                data=DealCreate.build(
                    title="Open",
                    currency=person.open_deal,
                    contact_id=contact,
                    value_minor=value,
                    stage_id=stage_id,
                ),
            )
        people.append(_Person(**{**person.__dict__, "id": contact}))
    return people


_TERMS = st.one_of(
    st.builds(
        rules.Term,
        st.just("status"),
        st.sampled_from(["=", "!="]),
        st.sampled_from(["lead", "customer"]),
    ),
    st.builds(
        rules.Term,
        st.just("tag"),
        st.sampled_from(["=", "!="]),
        st.sampled_from(["vip", "partner", "none"]),
    ),
    st.builds(
        rules.Term,
        st.just("source"),
        st.sampled_from(["=", "!=", "~"]),
        st.sampled_from(["web", "Web form", "", "REF"]),
    ),
    st.builds(
        rules.Term,
        st.sampled_from(["City", "شهر"]),
        st.sampled_from(["=", "!=", "~"]),
        st.sampled_from(["tehran", "Shiraz", "", "ra"]),
    ),
    st.builds(
        rules.Term,
        st.just("won"),
        st.sampled_from(["=", "!=", ">", ">=", "<", "<="]),
        st.sampled_from(["0", "1", "2"]),
    ),
    st.builds(rules.Term, st.just("complaint"), st.just("="), st.sampled_from(["open", "any"])),
    st.builds(
        rules.Term,
        st.just("last_contacted"),
        st.sampled_from([">", "<"]),
        st.sampled_from(["30d", "90d", "1w", "6m"]),
    ),
    st.builds(
        rules.Term, st.just("last_contacted"), st.sampled_from(["=", "!="]), st.just("never")
    ),
    st.builds(
        rules.Term,
        st.just("sentiment"),
        st.sampled_from(["=", "!="]),
        st.sampled_from(["positive", "NEGATIVE", ""]),
    ),
    st.builds(
        rules.Term,
        st.sampled_from(["interactions", "interactions_90d", "interactions_2y"]),
        st.sampled_from(["=", ">", ">=", "<"]),
        st.sampled_from(["0", "1", "2"]),
    ),
    st.builds(
        rules.Term,
        st.just("stage"),
        st.sampled_from(["=", "!="]),
        st.sampled_from(["proposal", "Won", "Lead", "Lost"]),
    ),
    st.builds(
        rules.Term,
        st.sampled_from(["open_value", "won_value"]),
        st.sampled_from(["=", ">", ">=", "<"]),
        st.sampled_from(["0", "500", "1.5k", "2000EUR", "1,000,000 IRR", "999999irr"]),
    ),
    st.builds(rules.Term, st.just("last_won"), st.sampled_from([">", "<"]), st.just("30d")),
    st.builds(rules.Term, st.just("last_won"), st.sampled_from(["=", "!="]), st.just("never")),
)
_RULES = st.recursive(
    _TERMS,
    lambda inner: st.one_of(
        st.builds(rules.Not, inner),
        st.builds(lambda rs: rules.All(tuple(rs)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda rs: rules.Any_(tuple(rs)), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=6,
)
_AGES = {"30d": 30, "90d": 90, "1w": 7, "6m": 180}


def _text(value: str | None, op: str, wanted: str) -> bool:
    if wanted == "":
        empty = not value
        return not empty if op == "!=" else empty
    if op == "~":
        return value is not None and wanted.lower() in value.lower()
    same = value is not None and value.lower() == wanted.lower()
    return not same if op == "!=" else same


def _number(op: str, have: int, wanted: int) -> bool:
    return {
        "=": have == wanted,
        "!=": have != wanted,
        ">": have > wanted,
        ">=": have >= wanted,
        "<": have < wanted,
        "<=": have <= wanted,
    }[op]


def _interactions(person: _Person, days: float | None) -> int:
    if person.last_days is None:
        return 0
    recent = days is None or person.last_days < days
    older = person.older and (days is None or days > 400)
    return int(recent) + int(older)


def _value(person: _Person, key: str, op: str, value: str) -> bool:
    from crm_tui.money import parse_amount

    amount, currency = value, "EUR"
    if value[-3:].isalpha():
        amount, currency = value[:-3], value[-3:].upper()
    wanted = parse_amount(amount, currency).minor
    if key == "won_value":
        have = person.won * 100_000 if currency == "EUR" else 0
    else:
        have = {"EUR": 50_000, "IRR": 1_000_000}[currency] if person.open_deal == currency else 0
    return _number(op, have, wanted)


def _stage(person: _Person, op: str, value: str) -> bool:
    stages = {"won"} if person.won else set()
    stages |= {"proposal"} if person.open_deal == "EUR" else set()
    stages |= {"lead"} if person.open_deal == "IRR" else set()
    return (value.lower() in stages) != (op == "!=")


_HISTORY = {
    "sentiment": lambda p, op, value: _text(p.sentiment or None, op, value),
    "interactions": lambda p, op, value: _number(op, _interactions(p, None), int(value)),
    "interactions_90d": lambda p, op, value: _number(op, _interactions(p, 90), int(value)),
    "interactions_2y": lambda p, op, value: _number(op, _interactions(p, 730), int(value)),
    "stage": _stage,
    "open_value": lambda p, op, value: _value(p, "open_value", op, value),
    "won_value": lambda p, op, value: _value(p, "won_value", op, value),
    "last_won": lambda p, op, value: (
        (p.won == 0) != (op == "!=") if value == "never" else (p.won == 0) == (op == ">")
    ),
}


def _holds(rule: rules.Rule, person: _Person) -> bool:
    if isinstance(rule, rules.Not):
        return not _holds(rule.rule, person)
    if isinstance(rule, rules.All):
        return all(_holds(r, person) for r in rule.rules)
    if isinstance(rule, rules.Any_):
        return any(_holds(r, person) for r in rule.rules)
    key, op, value = rule.key, rule.op, rule.value
    if key == "tag":
        return (value in person.tags) != (op == "!=")
    if key == "status":
        return _text(person.status, op, value)
    if key == "source":
        return _text(person.source, op, value)
    if key in ("City", "شهر"):
        return _text(person.city, op, value)
    if key == "won":
        return {
            "=": person.won == int(value),
            "!=": person.won != int(value),
            ">": person.won > int(value),
            ">=": person.won >= int(value),
            "<": person.won < int(value),
            "<=": person.won <= int(value),
        }[op]
    if key == "complaint":
        return person.complaint == "open" if value == "open" else person.complaint != ""
    if key in _HISTORY:
        return _HISTORY[key](person, op, value)
    if value == "never":
        return (person.last_days is None) != (op == "!=")
    days = _AGES[value]
    if op == ">":
        return person.last_days is None or person.last_days > days
    return person.last_days is not None and person.last_days < days


def test_every_rule_finds_what_a_python_filter_finds(db: Database) -> None:
    with db.write() as session:
        people = _people(session)

    @settings(max_examples=150)
    @given(_RULES)
    def check(rule: rules.Rule) -> None:
        written = rules.text(rule)
        query = ContactQuery(rule=written)
        with db.read() as session:
            found = set(contact_ids_matching(session=session, query=query))
            paged = {row.id for row in list_contacts(session=session, query=query).rows}
        assert found == {p.id for p in people if _holds(rule, p)}, written
        assert paged == found, written  # a page reads tags row by row: the same contacts

    check()


def test_saved_segments_through_the_cli(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara", "--status", "customer", "--field", "City=Tehran")
    crm(db_url, "contacts", "add", "Ali", "--status", "customer", "--field", "City=Shiraz")
    crm(db_url, "contacts", "add", "Reza", "--status", "lead", "--field", "City=Tehran")
    code, out, _ = crm(
        db_url, "segments", "add", "Tehran customers", "status:customer AND City:tehran"
    )
    assert (code, out) == (
        0,
        "saved segment Tehran customers: status:customer City:tehran (1 contact)\n",
    )
    code, _, err = crm(db_url, "segments", "add", "tehran CUSTOMERS", "tag:x")
    assert (code, err) == (1, "crm: error: there is a segment 'Tehran customers' already\n")
    code, _, err = crm(db_url, "segments", "add", "Bad", "status:customr")
    assert code == 1 and "no status 'customr'" in err
    # A rule may start with "-" (not): the README writes them so; it is no option.
    code, out, _ = crm(db_url, "segments", "add", "Not leads", "-status:lead")
    assert (code, out) == (0, "saved segment Not leads: -status:lead (2 contacts)\n")
    assert crm(db_url, "segments", "delete", "Not leads")[0] == 0
    listed = json.loads(
        crm(db_url, "contacts", "list", "--segment", "tehran customers", "--json")[1]
    )
    assert [row["name"] for row in listed] == ["Sara"]
    assert crm(db_url, "contacts", "tag", "call-back", "--segment", "Tehran customers")[1] == (
        "tagged 1 contact 'call-back' (batch #1: crm bulk undo 1)\n"
    )
    batches = json.loads(crm(db_url, "bulk", "list", "--json")[1])
    assert [(b["id"], b["kind"], b["source"]) for b in batches] == [
        (1, "bulk-tag", "tag 'call-back' · segment Tehran customers")
    ]
    code, out, _ = crm(db_url, "segments", "edit", "Tehran customers", "--rule", "City:tehran")
    assert (code, out) == (0, "segment Tehran customers: City:tehran (2 contacts)\n")
    # A free field is matched as written: one differing only in case matches nobody, said.
    code, out, err = crm(db_url, "segments", "add", "Lower", "city:tehran")
    assert (code, out) == (0, "saved segment Lower: city:tehran (0 contacts)\n")
    assert err == "crm: no contact has a field 'city'; did you mean 'City'?\n"
    code, out, err = crm(db_url, "contacts", "list", "--rule", "city:tehran OR Town:x")
    assert (code, out.splitlines()[-1]) == (0, "0 contacts")
    assert err == "crm: no contact has a field 'city'; did you mean 'City'?\n"
    assert crm(db_url, "segments", "show", "Lower")[2] == err
    assert crm(db_url, "segments", "delete", "Lower")[0] == 0
    segments = json.loads(crm(db_url, "segments", "list", "--json")[1])
    assert segments == [
        {"name": "Tehran customers", "rule": "City:tehran", "contacts": 2, "touch_every": None}
    ]
    listed = json.loads(crm(db_url, "contacts", "list", "--rule", "tag:call-back", "--json")[1])
    assert [row["name"] for row in listed] == ["Sara"]
    # --rule is read on its own: its brackets cannot reach past the segment's.
    segment_and = ("contacts", "list", "--segment", "Tehran customers", "--json", "--rule")
    code, _, err = crm(db_url, *segment_and, "tag:call-back) OR (status:lead")
    assert code == 1 and "a ')' too many?" in err
    both = json.loads(crm(db_url, *segment_and, "tag:call-back OR status:lead")[1])
    assert sorted(row["name"] for row in both) == ["Reza", "Sara"]
    assert crm(db_url, "segments", "delete", "Tehran customers")[0] == 0
    code, _, err = crm(db_url, "contacts", "list", "--segment", "Tehran customers")
    assert (code, err) == (1, "crm: error: no segment 'Tehran customers'\n")
    code, _, err = crm(db_url, "contacts", "tag", "x")
    assert code == 2 and "name the contacts, or give --segment" in err


async def test_the_contacts_filter_picks_a_segment_or_takes_a_rule(db: Database) -> None:
    """f on the contacts list: a saved segment narrows the list (the status line names it); a
    rule that cannot be read is said under it and nothing changes; a tag named like markup
    shows as typed."""
    from textual.widgets import Input, Select

    from crm_tui.services.segments import add_segment
    from screens.contacts import ContactsScreen
    from screens.dialogs import ContactFilterDialog
    from tests.screens_helpers import make_app, settle

    with db.write() as session:
        add_contact(session, "Sara", status="customer", custom={"City": "Tehran"})
        add_contact(session, "Ali", status="lead", custom={"City": "Tehran"}, tags=["[b]x[/b]"])
        add_segment(session=session, name="Tehran customers", rule="status:customer City:Tehran")
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ContactFilterDialog)
        dialog.query_one("#filter-rule", Input).value = "(tag:x"
        await pilot.click("#apply")
        await settle(pilot)
        assert app.screen is dialog
        said = dialog.query_one("#filter-rule-error")
        assert "a '(' is not closed" in str(said.render()) and said.display
        dialog.query_one("#filter-rule", Input).value = ""
        dialog.query_one("#filter-segment", Select).value = "Tehran customers"
        await pilot.click("#apply")
        await settle(pilot)
        assert app.screen is screen
        assert [row.name for row in screen.table.loaded_rows()] == ["Sara"]
        status = str(screen.query_one("#contact-status").render())
        assert "segment Tehran customers" in status
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ContactFilterDialog)
        dialog.query_one("#filter-segment", Select).clear()
        dialog.query_one("#filter-tag", Select).value = "[b]x[/b]"
        await pilot.click("#apply")
        await settle(pilot)
        assert [row.name for row in screen.table.loaded_rows()] == ["Ali"]
        assert "tag [b]x[/b]" in str(screen.query_one("#contact-status").render())


def test_export_takes_a_segment_in_every_format(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara", "--status", "customer", "--field", "شهر=تهران")
    crm(db_url, "contacts", "add", "Ali", "--status", "customer", "--field", "شهر=شیراز")
    crm(db_url, "contacts", "add", "Reza", "--status", "lead", "--field", "شهر=تهران")
    crm(db_url, "segments", "add", "Tehran", "شهر:تهران")
    code, out, _ = crm(db_url, "export", "contacts", "--segment", "Tehran")
    assert code == 0 and [line.split(",")[1] for line in out.splitlines()[1:]] == ["Sara", "Reza"]
    code, out, _ = crm(
        db_url,
        "export",
        "contacts",
        "--segment",
        "Tehran",
        "--rule",
        "status:lead",
        "--format",
        "json",
    )
    assert code == 0 and [one["name"] for one in json.loads(out)] == ["Reza"]
    code, out, _ = crm(db_url, "export", "contacts", "--rule", "شهر:شیراز", "--format", "vcard")
    assert code == 0 and out.count("BEGIN:VCARD") == 1 and "FN:Ali" in out
    code, _, err = crm(db_url, "export", "contacts", "--segment", "Nowhere")
    assert (code, err) == (1, "crm: error: no segment 'Nowhere'\n")


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ("sentiment:happy", "sentiment:happy? one of positive, neutral, negative"),
        ("stage:>Proposal", "stage:>Proposal? name a stage"),
        ("open_value:>lots", "open_value:>lots: not an amount: 'lots'"),
        ("won_value:>5XYZ", "unknown currency 'XYZ'"),
        ("interactions_90d:>many", "interactions_90d:>many? write a number"),
        ("won:~2", "won:~2? write a number"),
        ("last_won:>soon", "last_won:>soon"),
    ],
)
def test_a_history_key_with_a_value_it_cannot_take_says_why(
    db: Database, rule: str, said: str
) -> None:
    from crm_tui.services.segments import condition

    with db.read() as session, pytest.raises(RuleError) as raised:
        condition(session=session, rule=rule)
    assert said in str(raised.value)


def test_names_and_organizations_match_as_a_search_finds_them(session: Session) -> None:
    """Without their marks and case, in the stored keys: "chloe" is Chloé."""
    chloe = add_contact(session, "Chloé Martin", organization="Müller GmbH")
    add_contact(session, "Chris Lee", organization="Mueller AG")

    def found(rule: str) -> list[int]:
        query = ContactQuery(rule=rule)
        return [row.id for row in list_contacts(session=session, query=query).rows]

    assert found("name:~chloe") == [chloe]
    assert found("org:~muller") == [chloe]
    assert found('name:"CHLOE MARTIN"') == [chloe]
    assert chloe not in found('name:!="chloé martin"')
