"""Alembic environment: migrate the connection handed over by ``runner.upgrade``."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import crm_tui.models  # noqa: F401  (registers the tables on the metadata)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # developer use: alembic revision --autogenerate with sqlalchemy.url set
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as own_connection:
        _run(own_connection)
