"""Check figures (the history drift checks score) and drift false alarms.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _keyed(name: str, *extra: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset", sa.String(200), nullable=False),
        sa.Column("check", sa.String(100), nullable=False),
        sa.Column("figure", sa.String(100), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        *extra,
        sa.UniqueConstraint("asset", "check", "figure", "day", name=f"uq_{name}_key"),
    )
    op.create_index(f"ix_{name}_asset", name, ["asset"])


def upgrade() -> None:
    _keyed("check_figures", sa.Column("value", sa.Float, nullable=False),
           sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_check_figures_day", "check_figures", ["day"])
    _keyed("drift_false_alarms", sa.Column("note", sa.Text, nullable=False),
           sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_index("ix_check_figures_day", table_name="check_figures")
    for name in ("drift_false_alarms", "check_figures"):
        op.drop_index(f"ix_{name}_asset", table_name=name)
        op.drop_table(name)
