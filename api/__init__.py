"""ironroute's edges: the `ironroute` CLI, the JSON schemas, benchmark commands and maps."""
