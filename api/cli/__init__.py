"""The ``ironroute`` command line: a thin shell over the planner, same JSON as the HTTP API.

Only typer and rich load with it; each command imports what it needs when it runs.
"""

from api.cli.main import app

__all__ = ["app"]
