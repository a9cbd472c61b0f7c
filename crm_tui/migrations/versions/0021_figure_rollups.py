"""Rollups of the dashboard's figures, kept by triggers

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

A year of figures read every interaction, closed deal and won deal's stay in it: over a
million rows, however the indexes were laid. Three tables now hold, per day (UTC), what
those figures sum (``crm_tui.rollups``): interactions per channel and their complaints,
closed deals per stage, currency, owner and lost reason, and won deals' stays per stage.
Triggers keep them as the rows change, whoever writes them (the app, an import, a restore,
a cascade); a period reads its whole days from them and its part-days from the rows.

Every trigger adds what the row it fired for counts now and takes away what it counted
before, reading the rest from the database as it is: the rollups are a function of the
rows, whatever order a transaction writes them in. A deal's stays are taken away before
the deal is deleted, while they are still there (a cascade deletes them after).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("interaction_day", "closed_deal_day", "won_stay_day")


class _Sql:
    """The expressions the two databases spell differently."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def day(self, moment: str) -> str:
        return f"(({moment}) AT TIME ZONE 'UTC')::date" if self.postgres else f"date({moment})"

    def ms(self, start: str, end: str) -> str:
        if self.postgres:
            return f"round(extract(epoch FROM ({end}) - ({start})) * 1000)::bigint"
        return f"CAST(round((julianday({end}) - julianday({start})) * 86400000) AS INTEGER)"

    def number(self, flag: str) -> str:
        return f"({flag})::int" if self.postgres else f"({flag})"


def _won(deal: str) -> str:
    return f"(SELECT outcome FROM deal_stage WHERE id = {deal}.stage_id) = 'won'"


def _closed(deal: str) -> str:
    return f"{deal}.deleted_at IS NULL AND {deal}.closed_at IS NOT NULL"


def _owner_key(deal: str) -> str:
    return f"CASE WHEN {_won(deal)} THEN coalesce({deal}.owner_id, 0) ELSE 0 END"


def _adding(table: str, keys: str, counts: tuple[str, ...]) -> str:
    sums = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in counts)
    return f"ON CONFLICT ({keys}) DO UPDATE SET {sums}"


def _interaction_statements(sql: _Sql) -> dict[str, list[str]]:
    add = (
        "INSERT INTO interaction_day (day, channel, interactions, complaints) "
        f"SELECT {sql.day('NEW.occurred_at')}, NEW.channel, 1, {sql.number('NEW.complaint')} "
        "WHERE NEW.deleted_at IS NULL "
        + _adding("interaction_day", "day, channel", ("interactions", "complaints"))
    )
    remove = (
        "UPDATE interaction_day SET interactions = interactions - 1, "
        f"complaints = complaints - {sql.number('OLD.complaint')} "
        f"WHERE OLD.deleted_at IS NULL AND day = {sql.day('OLD.occurred_at')} "
        "AND channel = OLD.channel"
    )
    return {"insert": [add], "delete": [remove], "update": [remove, add]}


_CLOSED_COUNTS = ("deals", "value_high", "value_low", "cycle_ms")
_STAY_COUNTS = ("deals", "stays", "stay_ms")


def _deal_statements(sql: _Sql) -> dict[str, list[str]]:
    add = (
        "INSERT INTO closed_deal_day (day, stage_id, currency, owner_key, reason_key, "
        "deals, value_high, value_low, cycle_ms) "
        f"SELECT {sql.day('NEW.closed_at')}, NEW.stage_id, NEW.currency, {_owner_key('NEW')}, "
        "coalesce(NEW.lost_reason_id, 0), 1, NEW.value_minor / 4294967296, "
        f"NEW.value_minor % 4294967296, {sql.ms('NEW.created_at', 'NEW.closed_at')} "
        f"WHERE {_closed('NEW')} "
        + _adding(
            "closed_deal_day", "day, stage_id, currency, owner_key, reason_key", _CLOSED_COUNTS
        )
    )
    remove = (
        "UPDATE closed_deal_day SET deals = deals - 1, "
        "value_high = value_high - OLD.value_minor / 4294967296, "
        "value_low = value_low - OLD.value_minor % 4294967296, "
        f"cycle_ms = cycle_ms - {sql.ms('OLD.created_at', 'OLD.closed_at')} "
        f"WHERE {_closed('OLD')} AND day = {sql.day('OLD.closed_at')} "
        "AND stage_id = OLD.stage_id AND currency = OLD.currency "
        f"AND owner_key = {_owner_key('OLD')} AND reason_key = coalesce(OLD.lost_reason_id, 0)"
    )
    stay_ms = sql.ms("from_entered_at", "changed_at")
    stays = (
        "FROM deal_stage_change WHERE deal_id = {deal}.id AND from_stage_id IS NOT NULL "
        "AND from_entered_at IS NOT NULL"
    )
    add_stays = (
        "INSERT INTO won_stay_day (day, stage_id, deals, stays, stay_ms) "
        f"SELECT {sql.day('NEW.closed_at')}, from_stage_id, 1, count(*), sum({stay_ms}) "
        + stays.format(deal="NEW")
        + f" AND {_closed('NEW')} AND {_won('NEW')} GROUP BY from_stage_id "
        + _adding("won_stay_day", "day, stage_id", _STAY_COUNTS)
    )
    remove_stays = (
        "UPDATE won_stay_day SET deals = won_stay_day.deals - 1, "
        "stays = won_stay_day.stays - s.stays, stay_ms = won_stay_day.stay_ms - s.stay_ms "
        "FROM (SELECT from_stage_id AS stage_id, "
        f"count(*) AS stays, sum({stay_ms}) AS stay_ms "
        + stays.format(deal="OLD")
        + " GROUP BY from_stage_id) AS s "
        f"WHERE {_closed('OLD')} AND {_won('OLD')} "
        f"AND won_stay_day.day = {sql.day('OLD.closed_at')} AND won_stay_day.stage_id = s.stage_id"
    )
    return {
        "insert": [add, add_stays],
        "delete": [remove, remove_stays],
        "update": [remove, remove_stays, add, add_stays],
    }


def _stay_statements(sql: _Sql) -> dict[str, list[str]]:
    def first(change: str) -> str:  # 1 when no other stay of the deal is in that stage
        return (
            "CASE WHEN EXISTS (SELECT 1 FROM deal_stage_change other "
            f"WHERE other.deal_id = {change}.deal_id "
            f"AND other.from_stage_id = {change}.from_stage_id "
            f"AND other.from_entered_at IS NOT NULL AND other.id <> {change}.id) "
            "THEN 0 ELSE 1 END"
        )

    def counted(change: str) -> str:
        return (
            f"d.id = {change}.deal_id AND {change}.from_stage_id IS NOT NULL "
            f"AND {change}.from_entered_at IS NOT NULL AND {_closed('d')} AND {_won('d')}"
        )

    add = (
        "INSERT INTO won_stay_day (day, stage_id, deals, stays, stay_ms) "
        f"SELECT {sql.day('d.closed_at')}, NEW.from_stage_id, {first('NEW')}, 1, "
        f"{sql.ms('NEW.from_entered_at', 'NEW.changed_at')} FROM deal d "
        f"WHERE {counted('NEW')} " + _adding("won_stay_day", "day, stage_id", _STAY_COUNTS)
    )
    remove = (
        f"UPDATE won_stay_day SET deals = deals - {first('OLD')}, stays = stays - 1, "
        f"stay_ms = stay_ms - {sql.ms('OLD.from_entered_at', 'OLD.changed_at')} FROM deal d "
        f"WHERE {counted('OLD')} AND won_stay_day.day = {sql.day('d.closed_at')} "
        "AND won_stay_day.stage_id = OLD.from_stage_id"
    )
    return {"insert": [add], "delete": [remove], "update": [remove, add]}


# The table each set of statements is kept for, and the columns whose change it follows.
_WATCHED = {
    "interaction": (_interaction_statements, "occurred_at, channel, complaint, deleted_at"),
    "deal": (
        _deal_statements,
        "closed_at, stage_id, currency, owner_id, lost_reason_id, value_minor, created_at, "
        "deleted_at",
    ),
    "deal_stage_change": (
        _stay_statements,
        "deal_id, from_stage_id, from_entered_at, changed_at",
    ),
}


def _timing(table: str, event: str, postgres: bool) -> str:
    """When a trigger runs. Before a delete: a deal's stays are still there then (a cascade
    deletes them after). Before PostgreSQL writes a stay: its AFTER triggers run once the
    whole statement is done, when a stay written with another of the same deal and stage
    would find that one already there and count its deal twice or not at all; SQLite runs
    them row by row."""
    if event == "delete" or (postgres and table == "deal_stage_change"):
        return "BEFORE"
    return "AFTER"


def _create_triggers(dialect: str) -> None:
    sql = _Sql(dialect)
    for table, (statements, watched) in _WATCHED.items():
        for event, body in statements(sql).items():
            name = f"{table}_rollup_{event}"
            what = f"UPDATE OF {watched}" if event == "update" else event.upper()
            timing = _timing(table, event, sql.postgres)
            if sql.postgres:
                returned = {"delete": "OLD", "insert": "NEW", "update": "NEW"}[event]
                op.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "; ".join(body)
                    + f"; RETURN {returned}; END $$"
                )
                op.execute(
                    f"CREATE TRIGGER {name} {timing} {what} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} {timing} {what} ON {table} BEGIN "
                    + "; ".join(body)
                    + "; END"
                )


def _fill(dialect: str) -> None:
    """The rollups of the rows there already."""
    sql = _Sql(dialect)
    op.execute(
        "INSERT INTO interaction_day (day, channel, interactions, complaints) "
        f"SELECT {sql.day('occurred_at')}, channel, count(*), sum({sql.number('complaint')}) "
        "FROM interaction WHERE deleted_at IS NULL GROUP BY 1, 2"
    )
    op.execute(
        "INSERT INTO closed_deal_day (day, stage_id, currency, owner_key, reason_key, "
        "deals, value_high, value_low, cycle_ms) "
        f"SELECT {sql.day('d.closed_at')}, d.stage_id, d.currency, "
        "CASE WHEN s.outcome = 'won' THEN coalesce(d.owner_id, 0) ELSE 0 END, "
        "coalesce(d.lost_reason_id, 0), count(*), sum(d.value_minor / 4294967296), "
        f"sum(d.value_minor % 4294967296), sum({sql.ms('d.created_at', 'd.closed_at')}) "
        f"FROM deal d JOIN deal_stage s ON s.id = d.stage_id WHERE {_closed('d')} "
        "GROUP BY 1, 2, 3, 4, 5"
    )
    op.execute(
        "INSERT INTO won_stay_day (day, stage_id, deals, stays, stay_ms) "
        f"SELECT {sql.day('d.closed_at')}, c.from_stage_id, count(DISTINCT c.deal_id), "
        f"count(*), sum({sql.ms('c.from_entered_at', 'c.changed_at')}) "
        "FROM deal_stage_change c JOIN deal d ON d.id = c.deal_id "
        "JOIN deal_stage s ON s.id = d.stage_id "
        f"WHERE {_closed('d')} AND s.outcome = 'won' AND c.from_stage_id IS NOT NULL "
        "AND c.from_entered_at IS NOT NULL GROUP BY 1, 2"
    )


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): built afresh."""
    dialect = op.get_bind().dialect.name
    _drop(dialect)
    op.create_table(
        "interaction_day",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("channel", sa.String(), primary_key=True),
        sa.Column("interactions", sa.BigInteger(), nullable=False),
        sa.Column("complaints", sa.BigInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "closed_deal_day",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("stage_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("currency", sa.String(), primary_key=True),
        sa.Column("owner_key", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("reason_key", sa.Integer(), primary_key=True, autoincrement=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _CLOSED_COUNTS),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "won_stay_day",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("stage_id", sa.Integer(), primary_key=True, autoincrement=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _STAY_COUNTS),
        sqlite_with_rowid=False,
    )
    _fill(dialect)
    _create_triggers(dialect)


def _drop(dialect: str) -> None:
    for table in _WATCHED:
        for event in ("insert", "delete", "update"):
            name = f"{table}_rollup_{event}"
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")


def downgrade() -> None:
    _drop(op.get_bind().dialect.name)
