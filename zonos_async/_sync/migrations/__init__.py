"""Alembic revisions of the store of record's schema (run by ``SqlStore.migrate``, no env.py).

Each revision reads the target schema name from ``op.get_context().opts["zonos_schema"]``.
New revisions: change ``_schema.py``, then write the revision here with ``alembic revision``
(``--autogenerate`` against ``tables().metadata``) and bump ``SCHEMA_HEAD``; never edit a
released one.
"""
