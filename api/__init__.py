"""ironroute's edges: the `ironroute` CLI, the JSON schemas, the HTTP API (``api.app``),
plan storage (``api.store.PlanStore``), benchmark commands and maps."""
