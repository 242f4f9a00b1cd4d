"""The JSON documents of the CLI and the HTTP API: pydantic models, and the formats derived
from plans (iCalendar, SVG map)."""
