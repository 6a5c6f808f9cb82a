"""The store of record's tables, as the queries see them (the migrations create them).

Three tables, all keyed by the Zonos store id so that many stores share one database:

- ``zonos_orders``: one row per order, the order object exactly as Zonos last sent it
  (``order_json``, money digit for digit) beside the columns a query wants.
- ``zonos_order_history``: every change observed, in order: ``new`` (from nothing),
  ``status`` (from -> to) and ``detail`` (same status, other content). The rows of kind
  ``new`` and ``status`` are the status history; all rows are the change events' outbox.
- ``zonos_sync_state``: per store, where syncing started, the lease, the last run, and how
  far change events have been delivered.

Times are stored as UTC without a zone (``UtcDateTime``) so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from attrs import frozen
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

__all__ = ["SCHEMA_HEAD", "Tables", "UtcDateTime", "tables"]

SCHEMA_HEAD = "0001"
"""The newest schema revision this version of the library writes."""

VERSION_TABLE = "zonos_alembic_version"
"""Alembic's bookkeeping table, named so it never meets an application's own."""


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in, stored as naive UTC, an aware UTC datetime out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store times must be timezone-aware")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=timezone.utc)


# Integer on SQLite so that the key is the rowid and autoincrements.
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")


@frozen
class Tables:
    metadata: MetaData
    orders: Table
    history: Table
    state: Table


def tables(schema: str | None = None) -> Tables:
    """The tables, in ``schema`` (``None``: the connection's default)."""
    metadata = MetaData(schema=schema)
    orders = Table(
        "zonos_orders",
        metadata,
        Column("store", BigInteger, primary_key=True),
        Column("order_id", String(64), primary_key=True),
        Column("reference_id", Text),
        Column("merchant_order_id", Text),
        Column("status", String(100), nullable=False),
        Column("status_date", UtcDateTime()),
        Column("test_order", Boolean, nullable=False),
        Column("placed_at", UtcDateTime(), nullable=False),
        Column("placed_day", Date, nullable=False),
        Column("order_json", Text, nullable=False),
        Column("first_seen", UtcDateTime(), nullable=False),
        Column("last_changed", UtcDateTime(), nullable=False),
        Index("zonos_orders_by_status", "store", "status", "placed_day"),
        Index("zonos_orders_by_day", "store", "placed_day"),
    )
    history = Table(
        "zonos_order_history",
        metadata,
        Column("id", _SERIAL, primary_key=True, autoincrement=True),
        Column("store", BigInteger, nullable=False),
        Column("order_id", String(64), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("from_status", String(100)),
        Column("to_status", String(100), nullable=False),
        Column("status_date", UtcDateTime()),
        Column("observed_at", UtcDateTime(), nullable=False),
        Column("run_id", String(64), nullable=False),
        Index("zonos_order_history_by_store", "store", "id"),
        Index("zonos_order_history_by_order", "store", "order_id"),
    )
    state = Table(
        "zonos_sync_state",
        metadata,
        Column("store", BigInteger, primary_key=True),
        Column("since", Date, nullable=False),
        Column("lease_holder", Text),
        Column("lease_expires", UtcDateTime()),
        Column("delivered_through", BigInteger, nullable=False, server_default="0"),
        Column("last_run_id", String(64)),
        Column("last_run_started", UtcDateTime()),
        Column("last_run_finished", UtcDateTime()),
        Column("last_run_result", Text),
    )
    return Tables(metadata, orders, history, state)
