"""The search planner's explicit plans, and the deadline a row-by-row plan is read under:
out of time, the page is read again by the plan's fallback; any other error is the
caller's, whatever its message says."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from crm_tui.models import Contact
from crm_tui.search import index as search
from crm_tui.search import plan, sqlite
from crm_tui.search.plan import How
from tests.conftest import add_contact


@pytest.mark.sqlite_only
def test_a_row_by_row_plan_out_of_time_is_read_again_by_its_fallback(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "MANY_MATCHES", 1)
    monkeypatch.setattr(sqlite, "DENSE", 10_000)
    monkeypatch.setattr(sqlite, "VERY_DENSE", 10_000)
    monkeypatch.setattr(sqlite, "WALK_BUDGET", -1.0)
    monkeypatch.setattr(plan, "DEADLINE_STEPS", 1)
    ids = [add_contact(session, f"Sara {n}") for n in range(6)] + [add_contact(session, "Ali")]
    index = search.contacts(session=session)
    chosen = index.plan("sa")
    assert chosen.how is How.ROW_BY_ROW
    assert chosen.fallback is not None and chosen.fallback.how is How.SET_IN_ORDER
    assert index.plan("sa", ordered=False).how is How.ALL_MATCHES
    assert index.plan("  ").how is How.NO_WORDS

    tried: list[ColumnElement[bool] | None] = []

    def read(condition: ColumnElement[bool] | None) -> list[int]:
        tried.append(condition)
        query = select(Contact.id).where(condition).order_by(Contact.sort_name, Contact.id)
        return list(session.scalars(query))

    assert index.read(chosen, read) == ids[:6]
    assert tried == [chosen.condition, chosen.fallback.condition]

    def failing(condition: ColumnElement[bool] | None) -> list[int]:
        raise OperationalError("SELECT 1", {}, Exception("interrupted"))

    with pytest.raises(OperationalError):  # in time: not the deadline's, said "interrupted"
        index.read(replace(chosen, budget=60.0), failing)
