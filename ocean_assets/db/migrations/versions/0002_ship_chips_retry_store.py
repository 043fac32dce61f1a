"""Ship-chips AIS observation retry state (until now created by the retry store itself).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database the retry store set up by itself (create_all, before this migration) already has
    # the table with this very shape: adopt it.
    if sa.inspect(op.get_bind()).has_table("ship_chips_ais_observations"):
        return
    op.create_table(
        "ship_chips_ais_observations",
        sa.Column("obs_id", sa.String(128), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("mmsi", sa.BigInteger, nullable=False),
        sa.Column("scene_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("retry_count", sa.Integer, nullable=False),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ship_chips_ais_observations_day", "ship_chips_ais_observations", ["day"])


def downgrade() -> None:
    op.drop_index("ix_ship_chips_ais_observations_day", table_name="ship_chips_ais_observations")
    op.drop_table("ship_chips_ais_observations")
