"""Tables of the survey area (registered on ``Base.metadata`` by ``cxm.store.tables``)."""

from __future__ import annotations

from cxm.store.tables import Base

__all__ = ["Base"]
