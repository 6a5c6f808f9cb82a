"""The first schema: orders, their history, per-store sync state.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    schema = op.get_context().opts.get("zonos_schema")
    op.create_table(
        "zonos_orders",
        sa.Column("store", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("reference_id", sa.Text()),
        sa.Column("merchant_order_id", sa.Text()),
        sa.Column("status", sa.String(100), nullable=False),
        sa.Column("status_date", sa.DateTime()),
        sa.Column("test_order", sa.Boolean(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_day", sa.Date(), nullable=False),
        sa.Column("order_json", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_changed", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("store", "order_id"),
        schema=schema,
    )
    op.create_index(
        "zonos_orders_by_status",
        "zonos_orders",
        ["store", "status", "placed_day"],
        schema=schema,
    )
    op.create_index("zonos_orders_by_day", "zonos_orders", ["store", "placed_day"], schema=schema)
    op.create_table(
        "zonos_order_history",
        sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("store", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(100)),
        sa.Column("to_status", sa.String(100), nullable=False),
        sa.Column("status_date", sa.DateTime()),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        schema=schema,
    )
    op.create_index(
        "zonos_order_history_by_store", "zonos_order_history", ["store", "id"], schema=schema
    )
    op.create_index(
        "zonos_order_history_by_order",
        "zonos_order_history",
        ["store", "order_id"],
        schema=schema,
    )
    op.create_table(
        "zonos_sync_state",
        sa.Column("store", sa.BigInteger(), primary_key=True),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("lease_holder", sa.Text()),
        sa.Column("lease_expires", sa.DateTime()),
        sa.Column("delivered_through", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("last_run_id", sa.String(64)),
        sa.Column("last_run_started", sa.DateTime()),
        sa.Column("last_run_finished", sa.DateTime()),
        sa.Column("last_run_result", sa.Text()),
        schema=schema,
    )


def downgrade() -> None:
    schema = op.get_context().opts.get("zonos_schema")
    for table in ("zonos_sync_state", "zonos_order_history", "zonos_orders"):
        op.drop_table(table, schema=schema)
