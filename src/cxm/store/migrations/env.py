"""Alembic environment: runs on the connection that :meth:`Database.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from cxm.store.tables import Base

connection = context.config.attributes.get("connection")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
