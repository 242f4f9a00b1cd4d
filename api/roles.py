"""Who may call ironroute: the roles an API key carries (dependency-free, so the CLI's help
names them without loading storage)."""

from typing import Literal, get_args

Role = Literal["crm", "manager", "rep"]
ROLES: tuple[str, ...] = get_args(Role)
