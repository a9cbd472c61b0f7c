"""Likely duplicates, and merging two contacts into one (recorded, so it can be undone).

The survivor keeps every email, phone, tag and custom field of both, and every interaction,
task, project and referral of the other contact moves to it. The merge record holds both
contacts as they were and the ids of everything that moved, which is all ``undo_merge``
needs to put things back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session, col

from crm_tui.entities import CONTACT, Kind
from crm_tui.errors import ConflictError, NotFoundError, ValidationError
from crm_tui.models import (
    AppointmentContact,
    Contact,
    ContactDate,
    ContactEmail,
    ContactPhone,
    Deal,
    Interaction,
    InteractionContact,
    MergeRecord,
    Project,
    Task,
)
from crm_tui.schemas import ContactRead, ContactRow
from crm_tui.search import index as search
from crm_tui.services import tags
from crm_tui.services.common import delete_rows, live_row, utcnow
from crm_tui.services.contacts import get_contact, list_rows, refresh_contacted
from crm_tui.services.organizations import organization_named
from crm_tui.services.snapshots import contact_state, restore_contact, write_values
from crm_tui.text import sort_key

# Fields a merge can take from either side (the rest are combined).
CHOOSABLE = tuple(field.name for field in CONTACT.choosable)
FUZZY_SCORE = 88
# A shared email ranks 100 and a shared phone 95; names, which people share, rank below both
# (at most 90, 92 at the same organization).
NAME_WEIGHT = 0.9
BLOCK_LIMIT = 400


@dataclass
class DuplicatePair:
    first: ContactRow
    second: ContactRow
    reasons: list[str] = field(default_factory=list)
    score: int = 0


# -- finding duplicates ----------------------------------------------------------------------


def _shared_keys(session: Session, model: Any, what: str) -> list[tuple[int, int, str]]:
    """(first contact, another, reason) for each email (or phone) key several live contacts
    share: three contacts with one address are two pairs, each with the oldest."""
    live = (col(Contact.deleted_at).is_(None), model.normalized != "")
    shared = (
        select(model.normalized)
        .join(Contact, Contact.id == model.contact_id)
        .where(*live)
        .group_by(model.normalized)
        .having(func.count(func.distinct(model.contact_id)) > 1)
        .limit(2000)
    )
    rows = session.execute(
        select(model.normalized, model.contact_id)
        .distinct()
        .join(Contact, Contact.id == model.contact_id)
        .where(*live, model.normalized.in_(shared))
        .order_by(model.normalized, model.contact_id)
    )
    first: dict[str, int] = {}
    pairs = []
    for key, contact_id in rows:
        if first.setdefault(key, contact_id) != contact_id:
            pairs.append((first[key], contact_id, f"same {what} {key}"))
    return pairs


def _similar_names(session: Session) -> list[tuple[int, int, str, int]]:
    """Nearly the same name with a compatible organization, compared within small blocks."""
    blocks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for contact_id, name, org in session.execute(
        select(Contact.id, Contact.sort_name, Contact.sort_org).where(
            col(Contact.deleted_at).is_(None)
        )
    ):
        blocks[name[:3]].append((contact_id, name, org))
    found = []
    for block in blocks.values():
        if not 1 < len(block) <= BLOCK_LIMIT:
            continue
        names = [name for _, name, _ in block]
        for i, (a, name_a, org_a) in enumerate(block):
            later = process.extract(
                name_a,
                names[i + 1 :],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=FUZZY_SCORE,
                limit=None,
            )
            for _, score, offset in later:
                b, name_b, org_b = block[i + 1 + offset]
                if org_a and org_b and org_a != org_b:
                    continue
                reason = "same name" if name_a == name_b else f"similar names ({score:.0f}%)"
                rank = NAME_WEIGHT * score
                if org_a and org_a == org_b:
                    reason += " at the same organization"
                    rank += 2
                found.append((a, b, reason, int(rank)))
    return found


def find_duplicates(*, session: Session, limit: int = 200) -> list[DuplicatePair]:
    """Pairs of live contacts that are probably one person, the strongest evidence first."""
    evidence: list[tuple[int, int, str, int]] = [
        (a, b, reason, 100) for a, b, reason in _shared_keys(session, ContactEmail, "email")
    ]
    evidence += [
        (a, b, reason, 95) for a, b, reason in _shared_keys(session, ContactPhone, "phone")
    ]
    evidence += sorted(_similar_names(session), key=lambda item: -item[3])
    chosen: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for a, b, reason, score in evidence:
        pair = (min(a, b), max(a, b))  # one pair whichever way the evidence found it
        if pair in chosen:
            chosen[pair].append((reason, score))
        elif len(chosen) < limit:
            chosen[pair] = [(reason, score)]
    rows = {
        row.id: row
        for row in list_rows(session=session, ids=sorted({i for ab in chosen for i in ab}))
    }
    pairs = [
        DuplicatePair(
            rows[a],
            rows[b],
            [reason for reason, _ in found],
            max(score for _, score in found) + len(found) - 1,
        )
        for (a, b), found in chosen.items()
        if a in rows and b in rows
    ]
    return sorted(pairs, key=lambda p: (-p.score, p.first.name, p.first.id))


# -- merging ---------------------------------------------------------------------------------


def _ids(session: Session, column: Any, where: Any) -> list[int]:
    return [i for i in session.scalars(select(column).where(where)) if i is not None]


def _pick(keep: dict[str, Any], other: dict[str, Any], name: str, take: dict[str, str]) -> Any:
    choice = take.get(name)
    if name == "notes" and choice in (None, "both"):
        notes = [n for n in (keep["notes"], other["notes"]) if n]
        return "\n\n".join(dict.fromkeys(notes))
    if choice == "other":
        return other[name]
    if choice == "keep":
        return keep[name]
    return keep[name] if keep[name] not in ("", None) else other[name]


def merge_contacts(
    *,
    session: Session,
    keep_id: int,
    other_id: int,
    take: dict[str, str] | None = None,
    actor_id: int | None = None,
) -> tuple[int, ContactRead]:
    """Merge ``other_id`` into ``keep_id``; ``take`` maps a field to "keep", "other" or, for
    notes, "both". Unchosen fields keep the survivor's value unless it is blank.

    Returns the merge record's id and the merged contact.
    """
    if keep_id == other_id:
        raise ValidationError("a contact cannot be merged with itself")
    take = take or {}
    unknown = set(take) - set(CHOOSABLE) - {k for k in take if k.startswith("custom:")}
    if unknown:
        raise ValidationError(f"cannot choose {', '.join(sorted(unknown))} in a merge")
    keep = live_row(session=session, model=Contact, row_id=keep_id, what="contact")
    other = live_row(session=session, model=Contact, row_id=other_id, what="contact")
    before = {
        "keep": contact_state(session=session, contact=keep),
        "other": contact_state(session=session, contact=other),
    }
    moved = _move_everything(session, other_id, keep_id)
    _combine(session, keep, before["keep"], before["other"], take)
    keep.version += 1
    keep.updated_at = utcnow()
    keep.updated_by_id = actor_id
    session.execute(delete(Contact).where(Contact.id == other_id))
    session.flush()
    refresh_contacted(
        session=session, contact_ids=[keep_id]
    )  # the other's interactions are the survivor's now
    session.expire(keep, ["last_contacted_at"])
    search.unindex_contacts(session=session, ids=[other_id])
    search.index_contacts(session=session, ids=[keep_id])
    record = MergeRecord(
        kept_id=keep_id,
        merged_id=other_id,
        created_at=utcnow(),
        author_id=actor_id,
        snapshot={**before, "moved": moved, "keep_version_after": keep.version},
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    return record.id, get_contact(session=session, contact_id=keep_id)


def _combine(
    session: Session,
    keep: Contact,
    kept: dict[str, Any],
    other: dict[str, Any],
    take: dict[str, str],
) -> None:
    for declared in CONTACT.choosable:
        name, source = declared.name, str(declared.stored_as)
        value = _pick({**kept, name: kept[source]}, {**other, name: other[source]}, name, take)
        if declared.kind is Kind.ORGANIZATION:
            keep.organization_id, keep.organization_name, keep.sort_org = organization_named(
                session=session, name=value or ""
            )
        elif declared.kind is Kind.DATE:
            setattr(keep, source, date.fromisoformat(value) if value else None)
        else:
            setattr(keep, source, value)
    keep.sort_name = sort_key(keep.name)
    custom = {**other["custom"], **kept["custom"]}
    for key, value in other["custom"].items():
        if take.get(f"custom:{key}") == "other":
            custom[key] = value
    keep.custom = custom
    assert keep.id is not None
    emails = _items(kept["_emails"] + other["_emails"])
    phones = _items(kept["_phones"] + other["_phones"])
    write_values(session=session, model=ContactEmail, contact_id=keep.id, items=emails)
    write_values(session=session, model=ContactPhone, contact_id=keep.id, items=phones)
    keep.email = emails[0]["value"] if emails else ""
    keep.phone = phones[0]["value"] if phones else ""
    tags.set_tags(
        session=session, contact=keep, names=list(dict.fromkeys(kept["_tags"] + other["_tags"]))
    )


def _items(items: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, unique = set(), []
    for item in items:
        if item["normalized"] not in seen:
            seen.add(item["normalized"])
            unique.append(item)
    return unique


# The records that name their contact in a ``contact_id`` of their own: a merge points the
# other contact's at the survivor, and an undo points them back (by the ids it moved).
_OWNED: dict[str, Any] = {
    "tasks": Task,
    "projects": Project,
    "deals": Deal,
    "dates": ContactDate,
}


# The link tables that list a record's contacts (several per record), each with its record
# column and the prefix of what a merge record keeps of it: a link the survivor has already
# is dropped, the others move (the interactions' keys are as older merge records hold them).
_LINKS: tuple[tuple[str, Any, Any], ...] = (
    ("links", InteractionContact, InteractionContact.interaction_id),
    ("appointment_links", AppointmentContact, AppointmentContact.appointment_id),
)


def _move_everything(session: Session, other_id: int, keep_id: int) -> dict[str, list[int]]:
    """Point the other contact's interactions, appointments, tasks, projects, deals and
    referrals at the survivor."""
    moved = {
        "interactions": _ids(session, Interaction.id, Interaction.contact_id == other_id),
        "referrals": _ids(session, Contact.id, Contact.referred_by_id == other_id),
    }
    for key, model, record in _LINKS:
        shared = set(_ids(session, record, model.contact_id == keep_id))
        links = _ids(session, record, model.contact_id == other_id)
        moved[f"{key}_moved"] = [i for i in links if i not in shared]
        moved[f"{key}_dropped"] = [i for i in links if i in shared]
        delete_rows(
            session=session,
            model=model,
            where=[col(model.contact_id) == other_id, col(record).in_(moved[f"{key}_dropped"])],
        )
        session.execute(
            update(model).where(model.contact_id == other_id).values(contact_id=keep_id)
        )
    for name, owner in _OWNED.items():
        moved[name] = _ids(session, owner.id, owner.contact_id == other_id)
        session.execute(
            update(owner).where(owner.contact_id == other_id).values(contact_id=keep_id)
        )
    session.execute(
        update(Interaction).where(Interaction.contact_id == other_id).values(contact_id=keep_id)
    )
    session.execute(
        update(Contact).where(Contact.referred_by_id == other_id).values(referred_by_id=keep_id)
    )
    return moved


# -- undoing ---------------------------------------------------------------------------------


def _merged_away(session: Session, contact_id: int) -> str:
    """A hint when ``contact_id`` (given where a merge's id belongs) was merged away."""
    record = session.scalars(
        select(MergeRecord)
        .where(MergeRecord.merged_id == contact_id, col(MergeRecord.undone_at).is_(None))
        .order_by(col(MergeRecord.id).desc())
    ).first()
    if record is None:
        return ""
    return f" (contact #{contact_id} was merged into #{record.kept_id} by merge #{record.id})"


def undo_merge(*, session: Session, merge_id: int, actor_id: int | None = None) -> ContactRead:
    """Put both contacts back as they were before merge ``merge_id``; returns the other one.

    Refused when the survivor was edited after the merge (that edit would be lost).
    """
    record = session.get(MergeRecord, merge_id, with_for_update=True)
    if record is None:
        raise NotFoundError(f"no merge with id {merge_id}{_merged_away(session, merge_id)}")
    if record.undone_at is not None:
        raise ValidationError(f"merge #{merge_id} was already undone")
    keep = live_row(session=session, model=Contact, row_id=record.kept_id, what="contact")
    snapshot = record.snapshot
    if keep.version != snapshot["keep_version_after"]:
        raise ConflictError(
            f"contact {keep.name!r} (#{keep.id}) was changed after merge #{merge_id}; "
            "undoing it would lose that change"
        )
    restore_contact(session=session, state=snapshot["keep"], existing=keep)
    other = restore_contact(session=session, state=snapshot["other"], existing=None)
    _move_back(session, snapshot["moved"], record.kept_id, record.merged_id)
    keep.version += 1
    keep.updated_at = utcnow()
    keep.updated_by_id = actor_id
    record.undone_at = utcnow()
    session.flush()
    refresh_contacted(session=session, contact_ids=[record.kept_id, record.merged_id])
    session.expire(keep, ["last_contacted_at"])
    session.expire(other, ["last_contacted_at"])
    search.index_contacts(session=session, ids=[record.kept_id, record.merged_id])
    assert other.id is not None
    return get_contact(session=session, contact_id=other.id)


def _move_back(session: Session, moved: dict[str, list[int]], keep_id: int, other_id: int) -> None:
    session.execute(
        update(Interaction)
        .where(col(Interaction.id).in_(moved["interactions"]))
        .values(contact_id=other_id)
    )
    for key, model, record in _LINKS:  # a merge made before appointments moved none of theirs
        session.execute(
            update(model)
            .where(model.contact_id == keep_id, col(record).in_(moved.get(f"{key}_moved", [])))
            .values(contact_id=other_id)
        )
        if dropped := moved.get(f"{key}_dropped", []):
            session.execute(
                insert(model), [{record.key: i, "contact_id": other_id} for i in dropped]
            )
    for name, model in _OWNED.items():  # a merge made before deals existed moved none
        ids = moved.get(name, [])
        session.execute(update(model).where(col(model.id).in_(ids)).values(contact_id=other_id))
    session.execute(
        update(Contact)
        .where(col(Contact.id).in_(moved["referrals"]))
        .values(referred_by_id=other_id)
    )


def list_merges(*, session: Session, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.scalars(select(MergeRecord).order_by(col(MergeRecord.id).desc()).limit(limit))
    return [
        {
            "id": r.id,
            "kept_id": r.kept_id,
            "merged_id": r.merged_id,
            "merged_name": r.snapshot.get("other", {}).get("name", ""),
            "created_at": r.created_at,
            "undone_at": r.undone_at,
        }
        for r in rows
    ]
