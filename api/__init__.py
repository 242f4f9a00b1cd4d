"""ironroute's edges: the `ironroute` CLI, the JSON schemas, the HTTP API (``api.http.app``),
plan storage (``api.store.plans.PlanStore``), benchmark commands and maps."""
