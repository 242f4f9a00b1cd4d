"""The HTTP API the CRM calls: the app factory, its routers, errors, limits and metrics."""
