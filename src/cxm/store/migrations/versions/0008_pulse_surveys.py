"""pulse rounds ask a survey of the survey engine and may recur

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


def upgrade() -> None:
    with op.batch_alter_table("pulse_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))

    with op.batch_alter_table("pulse_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("survey_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("repeat_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("previous_round_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint("uq_pulse_rounds_previous", ["previous_round_id"])
        batch_op.create_foreign_key(
            "fk_pulse_rounds_previous", "pulse_rounds", ["previous_round_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_pulse_rounds_survey", "surveys", ["survey_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pulse_rounds", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pulse_rounds_survey", type_="foreignkey")
        batch_op.drop_constraint("fk_pulse_rounds_previous", type_="foreignkey")
        batch_op.drop_constraint("uq_pulse_rounds_previous", type_="unique")
        for column in ("invited_at", "previous_round_id", "repeat_days", "survey_version"):
            batch_op.drop_column(column)
        batch_op.drop_column("survey_id")

    with op.batch_alter_table("pulse_answers", schema=None) as batch_op:
        batch_op.drop_column("answers")
