"""Initial tables: reef health scores, fetch events, retention archives.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reef_health_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("date", sa.Date, nullable=False, index=True),
        sa.Column("reef_id", sa.String(64), nullable=False, index=True),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("area_sqkm", sa.Float, nullable=False),
        sa.Column("sst", sa.Float, nullable=False),
        sa.Column("sst_anomaly", sa.Float, nullable=False),
        sa.Column("dhw", sa.Float, nullable=False),
        sa.Column("alert_level", sa.Integer, nullable=False),
        sa.Column("ph", sa.Float, nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("stress_score", sa.Float, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("anomaly", sa.Boolean, nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("date", "reef_id", name="uq_reef_health_date_reef"),
    )
    op.create_table(
        "pipeline_fetch_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("day", sa.Date, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "retention_archives",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("first_date", sa.Date, nullable=False),
        sa.Column("last_date", sa.Date, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retention_archives")
    op.drop_table("pipeline_fetch_events")
    op.drop_table("reef_health_scores")
