"""Contact services against real SQLite files."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from crm_tui.db import Database
from crm_tui.errors import AmbiguousError, ConflictError, FieldErrors, NotFoundError
from crm_tui.schemas import ContactCreate, ContactUpdate
from crm_tui.services import contacts as svc
from crm_tui.services.bulk import Tag, run_bulk
from crm_tui.services.contacts import ContactQuery, ContactSort
from tests.conftest import add_contact
from tests.databases import BACKEND


def test_create_and_read_back_every_field(session: Session) -> None:
    contact_id = add_contact(
        session,
        "",
        first_name="مریم",
        last_name="رضایی",
        organization="شرکت رضایی",
        emails=[{"value": "Maryam@Rezaei.example", "label": "work"}, {"value": "m@x.example"}],
        phones=[{"value": "۰۹۱۲۵۵۵۰۱۰۲", "label": "mobile"}],
        tags=["vip", "VIP", "مشتری"],
        custom={"City": "اصفهان", "Empty": "  "},
        notes="Met at the Tehran expo.\nWants a quote.",
        status="customer",
    )
    contact = svc.get_contact(session=session, contact_id=contact_id)
    assert contact.name == "مریم رضایی"
    assert contact.organization == "شرکت رضایی"
    assert contact.email == "Maryam@rezaei.example"
    assert [e.label for e in contact.emails] == ["work", ""]
    assert contact.phones[0].value == "۰۹۱۲۵۵۵۰۱۰۲"
    assert sorted(contact.tags) == ["vip", "مشتری"]
    assert contact.custom == {"City": "اصفهان"}
    assert contact.status == "customer"
    assert contact.version == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "emails": [{"value": "not-an-email"}]}, "emails"),
        ({"name": "X", "phones": [{"value": "call me maybe"}]}, "phones"),
        ({"name": "X", "status": "friend"}, "status"),
        ({"name": "X", "tags": ["a,b"]}, "tags"),
    ],
)
def test_invalid_input_names_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(FieldErrors) as caught:
        ContactCreate.build(**values)
    assert field in caught.value.errors or caught.value.field == "record"


def test_a_name_is_required_unless_first_or_last_is_given() -> None:
    with pytest.raises(FieldErrors, match="a name is required"):
        ContactCreate.build(emails=[{"value": "a@b.example"}])
    assert ContactCreate.build(last_name="Kim").name == "Kim"


def test_update_bumps_the_version_and_refuses_a_stale_one(session: Session) -> None:
    contact_id = add_contact(session, "Sara Ahmadi", notes="first")
    updated = svc.update_contact(
        session=session,
        contact_id=contact_id,
        changes=ContactUpdate.build(notes="second", tags=["vip"]),
        expected_version=1,
    )
    assert (updated.version, updated.notes, updated.tags) == (2, "second", ["vip"])
    with pytest.raises(ConflictError, match=r"Sara Ahmadi.*changed by someone else") as caught:
        svc.update_contact(
            session=session,
            contact_id=contact_id,
            changes=ContactUpdate.build(notes="stale"),
            expected_version=1,
        )
    assert caught.value.current.notes == "second"
    assert svc.get_contact(session=session, contact_id=contact_id).notes == "second"


def test_update_only_touches_the_fields_given(session: Session) -> None:
    contact_id = add_contact(
        session, "Jonas Müller", emails=[{"value": "jonas@x.example"}], custom={"City": "Berlin"}
    )
    updated = svc.update_contact(
        session=session,
        contact_id=contact_id,
        changes=ContactUpdate.build(organization="Müller & Söhne GmbH"),
        expected_version=None,
    )
    assert updated.email == "jonas@x.example"
    assert updated.custom == {"City": "Berlin"}
    assert updated.organization == "Müller & Söhne GmbH"


def test_trash_and_restore(session: Session) -> None:
    keep = add_contact(session, "Keep")
    gone = add_contact(session, "Gone")
    assert svc.delete_contacts(session=session, contact_ids=[gone]) == 1
    live = svc.list_contacts(session=session).rows
    assert [row.id for row in live] == [keep]
    trash = svc.list_contacts(session=session, query=ContactQuery(trash=True)).rows
    assert [row.id for row in trash] == [gone]
    with pytest.raises(NotFoundError):
        svc.get_contact(session=session, contact_id=gone)
    assert svc.restore_contacts(session=session, contact_ids=[gone]) == 1
    assert svc.count_contacts(session=session) == 2


def _walk(session: Session, query: ContactQuery, limit: int = 3) -> list[int]:
    ids, cursor = [], None
    while True:
        page = svc.list_contacts(session=session, query=query, limit=limit, after=cursor)
        ids += [row.id for row in page.rows]
        if not page.has_more:
            return ids
        cursor = page.last


def _walk_back(session: Session, query: ContactQuery, limit: int = 3) -> list[int]:
    page = svc.list_contacts(session=session, query=query, limit=limit, from_end=True)
    ids = [row.id for row in page.rows]
    while page.has_more:
        page = svc.list_contacts(session=session, query=query, limit=limit, before=page.first)
        ids = [row.id for row in page.rows] + ids
    return ids


@pytest.fixture
def crowd(session: Session) -> Session:
    people = [
        ("Zoë Brontë", "Acme", "zoe@x.example", ["b"]),
        ("Ágnes Kovács", "", "", []),
        ("amir Karimi", "Bolt", "amir@x.example", ["a", "b"]),
        ("王小明", "Acme", "", ["a"]),
        ("Chloé Dubois", "", "chloe@x.example", []),
        ("Ali Moradi", "Bolt", "", []),
        ("Bea Stone", "", "bea@x.example", ["c"]),
    ]
    for name, org, email, tags in people:
        emails = [{"value": email}] if email else []
        add_contact(session, name, organization=org, emails=emails, tags=tags)
    return session


@pytest.mark.parametrize("sort", list(ContactSort))
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_cover_every_row_once_in_both_directions(
    crowd: Session, sort: ContactSort, descending: bool
) -> None:
    query = ContactQuery(sort=sort, descending=descending)
    forward = _walk(crowd, query)
    assert sorted(forward) == list(range(1, 8))
    assert _walk_back(crowd, query) == forward
    everything = svc.list_contacts(session=crowd, query=query, limit=100).rows
    assert [row.id for row in everything] == forward


def test_sorting_folds_case_and_accents_and_puts_blanks_last(crowd: Session) -> None:
    names = [r.name for r in svc.list_contacts(session=crowd, limit=100).rows]
    assert names[:4] == ["Ágnes Kovács", "Ali Moradi", "amir Karimi", "Bea Stone"]
    by_org = svc.list_contacts(
        session=crowd, query=ContactQuery(sort=ContactSort.ORGANIZATION), limit=100
    ).rows
    assert [r.organization for r in by_org][:4] == ["Acme", "Acme", "Bolt", "Bolt"]
    assert [r.organization for r in by_org][4:] == ["", "", ""]
    by_email_desc = svc.list_contacts(
        session=crowd, query=ContactQuery(sort=ContactSort.EMAIL, descending=True), limit=100
    ).rows
    assert by_email_desc[0].email == "zoe@x.example"
    assert by_email_desc[-1].email == ""


def test_letters_with_a_stroke_sort_beside_their_base_letter(session: Session) -> None:
    for name, organization in [("Marta", "Øresund"), ("Łukasz", "Nordic"), ("Lena", "Pax")]:
        add_contact(session, name, organization=organization)
    names = [row.name for row in svc.list_contacts(session=session, limit=10).rows]
    assert names == ["Lena", "Łukasz", "Marta"]
    by_org = ContactQuery(sort=ContactSort.ORGANIZATION)
    rows = svc.list_contacts(session=session, query=by_org, limit=10).rows
    assert [row.organization for row in rows] == ["Nordic", "Øresund", "Pax"]


def test_filters_by_tag_and_status(crowd: Session) -> None:
    tagged = svc.list_contacts(session=crowd, query=ContactQuery(tag="B")).rows
    assert {r.name for r in tagged} == {"Zoë Brontë", "amir Karimi"}
    assert svc.count_contacts(session=crowd, query=ContactQuery(tag="a")) == 2
    assert svc.count_contacts(session=crowd, query=ContactQuery(status="customer")) == 0
    assert svc.count_contacts(session=crowd, query=ContactQuery(tag="nope")) == 0


def test_bulk_tag_and_untag(crowd: Session) -> None:
    assert run_bulk(session=crowd, contact_ids=[1, 2, 3], action=Tag("event")).changed == 3
    assert run_bulk(session=crowd, contact_ids=[1, 2], action=Tag("Event")).changed == 0
    assert svc.get_contact(session=crowd, contact_id=2).tags == ["event"]
    untag = Tag("EVENT", remove=True)
    assert run_bulk(session=crowd, contact_ids=[1, 2], action=untag).changed == 2
    found = svc.list_contacts(session=crowd, query=ContactQuery(search="event")).rows
    assert [r.id for r in found] == [3]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("expo", {"Sara Ahmadi"}),  # a word from the notes
        ("lyon", {"Chloé Dubois"}),  # a custom field value
        ("chloe", {"Chloé Dubois"}),  # accents ignored
        ("رضایی", {"مریم رضایی"}),  # Persian
        ("رضا", {"مریم رضایی"}),  # prefix of a Persian word
        ("علي", {"علی کریمی"}),  # Arabic yeh finds Persian yeh
        ("0912", {"مریم رضایی"}),  # Persian digits in a phone
        ("小明", {"王小明"}),  # CJK inside a word
        ("ahmadi-design", {"Sara Ahmadi"}),  # organization, hyphenated
        ("sara@ahm", {"Sara Ahmadi"}),  # part of an email
        ("sar tehran", {"Sara Ahmadi"}),  # every word must match
        ("[bold]", set()),  # markup is just text, and finds nothing here
        ("پیش\u200cنویس", {"نگار پیش\u200cنویس\u200cزاده"}),  # as written, the non-joiner in
        ("پیشنویس", {"نگار پیش\u200cنویس\u200cزاده"}),  # typed without it
        ("پیش نویس", {"نگار پیش\u200cنویس\u200cزاده"}),  # or with a space
        ("lucja oberg", {"Łucja Øberg"}),  # letters with a stroke, typed without it
        ("yildiz", {"Ahmet Yıldız"}),  # Turkish dotless i
        ("رییسی", {"سارا رئیسی"}),  # a hamza seat typed as the letter
        ("رئيسي", {"سارا رئیسی"}),  # or with an Arabic keyboard's yeh
    ],
)
def test_search_finds_every_field_in_every_script(
    session: Session, query: str, expected: set[str]
) -> None:
    add_contact(
        session,
        "Sara Ahmadi",
        organization="Ahmadi-Design",
        emails=[{"value": "sara@ahmadi.example"}],
        notes="Met at the Tehran expo.",
    )
    add_contact(session, "Chloé Dubois", custom={"Stadt": "Lyon"})
    add_contact(session, "مریم رضایی", phones=[{"value": "۰۹۱۲۵۵۵۰۱۰۲"}])
    add_contact(session, "علی کریمی")
    add_contact(session, "王小明")
    add_contact(session, "نگار پیش\u200cنویس\u200cزاده")
    add_contact(session, "Łucja Øberg")
    add_contact(session, "Ahmet Yıldız")
    add_contact(session, "سارا رئیسی")
    found = svc.list_contacts(session=session, query=ContactQuery(search=query)).rows
    assert {row.name for row in found} == expected


@pytest.mark.parametrize(
    ("query", "inside_words"),
    [
        ("hmad", {"Sara Ahmadi"}),
        ("ریم", {"مریم رضایی"}),
        ("ahm xpo", {"Sara Ahmadi"}),
        ("hm", set()),
    ],
)
def test_postgresql_also_finds_parts_of_words(
    session: Session, query: str, inside_words: set[str]
) -> None:
    """PostgreSQL's trigram index finds three letters or more anywhere in a word; SQLite's
    FTS5 index finds word beginnings only (the same everywhere else)."""
    add_contact(session, "Sara Ahmadi", notes="Met at the Tehran expo.")
    add_contact(session, "مریم رضایی")
    found = svc.list_contacts(session=session, query=ContactQuery(search=query)).rows
    assert {row.name for row in found} == (inside_words if BACKEND == "postgresql" else set())


def test_search_sees_edits_and_trash(session: Session) -> None:
    contact_id = add_contact(session, "Hana Novák")
    svc.update_contact(
        session=session,
        contact_id=contact_id,
        changes=ContactUpdate.build(notes="prefers trains"),
        expected_version=1,
    )
    assert svc.count_contacts(session=session, query=ContactQuery(search="trains")) == 1
    svc.delete_contacts(session=session, contact_ids=[contact_id])
    assert svc.count_contacts(session=session, query=ContactQuery(search="trains")) == 0
    assert svc.count_contacts(session=session, query=ContactQuery(search="trains", trash=True)) == 1


def test_persian_name_round_trips_through_a_new_session(db: Database) -> None:
    name = "پریسا جعفری‌نژاد"  # with a zero-width non-joiner
    with db.write() as session:
        contact_id = add_contact(session, name)
    with db.read() as session:
        assert svc.get_contact(session=session, contact_id=contact_id).name == name


def test_resolve_by_id_email_name_and_ambiguity(session: Session) -> None:
    first = add_contact(session, "Aoife Lambert", emails=[{"value": "aoife@x.example"}])
    add_contact(session, "Aoife Okafor")
    assert svc.resolve_contact(session=session, ref=str(first)).id == first
    assert svc.resolve_contact(session=session, ref="#1").id == first
    assert svc.resolve_contact(session=session, ref="AOIFE@x.example").id == first
    assert svc.resolve_contact(session=session, ref="aoife lambert").id == first
    with pytest.raises(AmbiguousError) as caught:
        svc.resolve_contact(session=session, ref="Aoife")
    assert len(caught.value.candidates) == 2
    with pytest.raises(NotFoundError):
        svc.resolve_contact(session=session, ref="nobody")


@pytest.mark.parametrize(
    ("many", "dense", "very_dense", "budget"),
    [
        (10_000, 1, 1, 1.0),
        (1, 1, 1, 1.0),
        (1, 10_000, 1, 1.0),
        (1, 10_000, 10_000, 1.0),
        (1, 10_000, 10_000, -1.0),
    ],
    ids=[
        "fetch-then-sort",
        "walk-the-sort-index",
        "dense-threshold",
        "walk-testing-row-by-row",
        "row-by-row-out-of-time",
    ],
)
def test_every_search_strategy_pages_the_same_rows(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    many: int,
    dense: int,
    very_dense: int,
    budget: float,
) -> None:
    """Few matches are fetched and sorted, many are found by walking the sort order (testing
    each row against the set of matches, or against the index itself until time runs out):
    same rows, same order, same counts (capped or not), whatever filters come with it."""
    from crm_tui.search import plan, sqlite

    monkeypatch.setattr(sqlite, "MANY_MATCHES", many)
    monkeypatch.setattr(sqlite, "DENSE", dense)
    monkeypatch.setattr(sqlite, "VERY_DENSE", very_dense)
    monkeypatch.setattr(sqlite, "WALK_BUDGET", budget)
    monkeypatch.setattr(plan, "DEADLINE_STEPS", 1)
    names = ["Sara Karimi", "Saeed Rezaei", "Zahra Sadeghi", "سارا کریمی", "Bob Stone", "Sam Li"]
    ids = {
        name: add_contact(session, name, status="customer" if "a" in name else "lead")
        for name in names
    }
    svc.delete_contacts(session=session, contact_ids=[ids["Sam Li"]])
    query = ContactQuery(search="sa")
    rows = svc.list_contacts(session=session, query=query, limit=2)
    more = svc.list_contacts(session=session, query=query, limit=2, after=rows.last)
    shown = [row.name for row in rows.rows + more.rows]
    assert shown == ["Saeed Rezaei", "Sara Karimi", "Zahra Sadeghi"]  # not Sam, in the trash
    assert svc.count_contacts(session=session, query=query) == 3
    assert svc.count_contacts(session=session, query=query, cap=1) == 2  # "more than 1"
    assert svc.count_contacts(session=session, query=query, cap=10) == 3
    lead = ContactQuery(search="sa", status="lead")
    assert svc.count_contacts(session=session, query=lead, cap=10) == 0
    trash = ContactQuery(search="sa", trash=True)
    assert svc.count_contacts(session=session, query=trash, cap=10) == 1


@pytest.mark.parametrize("sort", list(ContactSort))
@pytest.mark.parametrize("descending", [False, True])
def test_a_contacts_position_is_its_row_in_the_list(
    session: Session, sort: ContactSort, descending: bool
) -> None:
    """Blanks last, ties by name then id, filters applied: the same order the pages show."""
    people = [
        ("Sara Karimi", {"organization": "Acme", "emails": [{"value": "s@x.example"}]}),
        ("Bob Stone", {"tags": ["vip"]}),
        ("سارا کریمی", {"organization": "Acme", "phones": [{"value": "+98 912 000 0000"}]}),
        ("Ali Rezaei", {"emails": [{"value": "ali@x.example"}], "tags": ["lead", "vip"]}),
        ("Zoë Adams", {}),
        ("Bob Stone", {"organization": "Beta"}),
    ]
    ids = [add_contact(session, name, **values) for name, values in people]
    svc.delete_contacts(session=session, contact_ids=[ids[4]])
    query = ContactQuery(sort=sort, descending=descending)
    shown = [row.id for row in svc.list_contacts(session=session, query=query, limit=50).rows]
    assert len(shown) == 5
    for contact_id in ids:
        position = svc.contact_position(session=session, query=query, contact_id=contact_id)
        assert position == (shown.index(contact_id) if contact_id in shown else None)
    only_vip = ContactQuery(sort=sort, descending=descending, tag="vip")
    assert svc.contact_position(session=session, query=only_vip, contact_id=ids[0]) is None


def test_duplicates_come_from_emails_phones_and_similar_names(session: Session) -> None:
    """Emails compared without case, phones in E.164, names fuzzily where the organizations
    do not disagree; each pair once."""
    from crm_tui.services.merge import find_duplicates

    ids = {
        key: add_contact(session, name, **values)
        for key, name, values in [
            ("ana", "Ana Silva", {"emails": [{"value": "Ana@Example.com"}]}),
            ("ana2", "Anna S.", {"emails": [{"value": "ana@example.com"}]}),
            ("ana3", "A. Silva", {"emails": [{"value": "ANA@example.com"}]}),
            ("reza", "Reza Karimi", {"phones": [{"value": "+98 912 555 0101"}]}),
            ("reza2", "R. K.", {"phones": [{"value": "+989125550101"}]}),
            ("sara", "سارا کریمی", {"organization": "Acme"}),
            ("sara2", "سارا کریمی", {"organization": "Acme"}),
            ("zoe", "Zoë Adams", {"organization": "Acme"}),
            ("zoe2", "Zoe Adams", {}),
            ("bob", "Bob Stone", {"organization": "Acme"}),
            ("bob2", "Bob Stone", {"organization": "Beta"}),  # two people: orgs disagree
        ]
    }
    found = {
        (pair.first.id, pair.second.id): pair.reasons for pair in find_duplicates(session=session)
    }
    assert found == {
        (ids["ana"], ids["ana2"]): ["same email ana@example.com"],
        (ids["ana"], ids["ana3"]): ["same email ana@example.com"],  # a third: a pair too
        (ids["reza"], ids["reza2"]): ["same phone +989125550101"],
        (ids["sara"], ids["sara2"]): ["same name at the same organization"],
        (ids["zoe"], ids["zoe2"]): ["same name"],  # accents folded; one organization blank
    }
    ranked = [(pair.first.id, pair.second.id) for pair in find_duplicates(session=session)]
    assert ranked[2:] == [  # a shared name, however exact, is weaker evidence than a phone
        (ids["reza"], ids["reza2"]),
        (ids["sara"], ids["sara2"]),
        (ids["zoe"], ids["zoe2"]),
    ]
