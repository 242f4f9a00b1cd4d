"""Alembic migrations of ironroute's storage (run by ``api.db.upgrade_to_head``)."""
