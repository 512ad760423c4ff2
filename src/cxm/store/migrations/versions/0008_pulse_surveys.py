"""pulse rounds ask a survey of the survey engine and may recur

Plain ``ADD COLUMN`` (no table rebuild): SQLite refuses to drop and re-create
``pulse_rounds`` under its foreign keys once answers reference it, and a column added with
``REFERENCES`` is allowed there when its default is NULL.

Revision ID: 0008
Revises: 0005, 0007
Create Date: 2026-12-04 02:48:57.435332
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: tuple[str, ...] | None = ("0005", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_reference(column: str, target: str) -> None:
    """A nullable integer column referencing ``target`` (``table.column``)."""
    table, key = target.split(".")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE pulse_rounds ADD COLUMN {column} INTEGER REFERENCES {table} ({key})"
        )
    else:
        op.add_column("pulse_rounds", sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_pulse_rounds_{column}", "pulse_rounds", table, [column], [key])


def upgrade() -> None:
    op.add_column("pulse_answers", sa.Column("answers", sa.JSON(), nullable=True))
    _add_reference("survey_id", "surveys.id")
    _add_reference("previous_round_id", "pulse_rounds.id")
    op.add_column("pulse_rounds", sa.Column("survey_version", sa.Integer(), nullable=True))
    op.add_column("pulse_rounds", sa.Column("repeat_days", sa.Integer(), nullable=True))
    op.add_column("pulse_rounds", sa.Column("invited_at", sa.DateTime(), nullable=True))
    op.create_index("uq_pulse_rounds_previous", "pulse_rounds", ["previous_round_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_pulse_rounds_previous", table_name="pulse_rounds")
    with op.batch_alter_table("pulse_rounds", schema=None) as batch_op:
        for column in ("invited_at", "previous_round_id", "repeat_days", "survey_version"):
            batch_op.drop_column(column)
        batch_op.drop_column("survey_id")
    op.drop_column("pulse_answers", "answers")
