"""Alembic migrations of ironroute's storage (run by ``api.store.db.upgrade_to_head``)."""
