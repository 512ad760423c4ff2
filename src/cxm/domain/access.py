"""Who is asking: the principal behind a request, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "analyst", "manager", "agent", "employee"]


@dataclass(frozen=True)
class Principal:
    """A logged-in user or an API token's owner. ``department`` scopes managers and agents."""

    user_id: int
    username: str
    role: Role
    department: str | None = None
    language: str = "pl"

    @property
    def sees_all_departments(self) -> bool:
        return self.role in ("admin", "analyst")

    @property
    def department_scope(self) -> tuple[str, ...] | None:
        """None: every department; else the only departments this principal may see."""
        if self.sees_all_departments or self.department is None:
            return None if self.sees_all_departments else ()
        return (self.department,)
