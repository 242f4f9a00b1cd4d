"""Storage: SQLAlchemy engines and migrations, plans, runs, API keys and idempotency records."""
