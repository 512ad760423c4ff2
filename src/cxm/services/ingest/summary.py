"""What an import reports: rejected rows, the summary of a run, and the rejects file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

#: How many rejects a summary keeps in memory; the rejects file has them all.
KEPT_REJECTS = 100


@dataclass(frozen=True)
class Reject:
    """One problem of one row: its line (row for Parquet, record for the API) and field."""

    line: int
    field: str
    value: Any
    reason: str

    def format(self, source: str) -> str:
        value = "" if self.value is None else f" (value {_quote(self.value)})"
        return f"{source}:{self.line}:{self.field}: {self.reason}{value}"

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if not isinstance(value, str | int | float | bool | type(None)):
            value = str(value)  # e.g. a Parquet timestamp: the JSON answer stays valid
        return {"line": self.line, "field": self.field, "value": value, "reason": self.reason}


def _quote(value: Any) -> str:
    text = str(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return "'" + text.replace("\n", "\\n").replace("'", "\\'") + "'"


@dataclass
class ImportSummary:
    """Counts of one import; ``exit_code`` is what ``cxm import`` exits with."""

    kind: str
    source: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    rejects: list[Reject] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    mirror_error: str | None = None

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated

    @property
    def exit_code(self) -> int:
        """0 every row accepted, 2 some rows rejected, 1 nothing written."""
        if self.rows_read and not self.accepted:
            return 1
        return 2 if self.rejected else 0

    @property
    def status(self) -> str:
        return {0: "completed", 2: "partial", 1: "rejected"}[self.exit_code]

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "status": self.status,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "rejected": self.rejected,
            "rejects_path": str(self.rejects_path) if self.rejects_path else None,
            "rejects": [r.to_dict() for r in self.rejects],
            "seconds": round(self.seconds, 3),
            "run_id": self.run_id,
            "ignored_columns": self.ignored_columns,
            "mirror_error": self.mirror_error,
        }


@dataclass(frozen=True)
class ImportRunView:
    """One past import, as the dashboard and ``GET /imports`` show it."""

    id: int
    kind: str
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    inserted: int
    updated: int
    rejected: int
    rejects_path: str | None

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data


class RejectLog:
    """Collects rejects: counts rejected rows, keeps the first few, streams all to a file.

    The file is created on the first reject only, so a clean import leaves no empty file."""

    def __init__(self, summary: ImportSummary, path: Path | None, keep: int = KEPT_REJECTS) -> None:
        self._summary = summary
        self._keep = keep
        self._path = path
        self._fh: IO[str] | None = None

    def add_row(self, problems: list[Reject]) -> None:
        """Record every problem of one rejected row."""
        self._summary.rejected += 1
        for problem in problems:
            if len(self._summary.rejects) < self._keep:
                self._summary.rejects.append(problem)
            if self._path is not None:
                if self._fh is None:
                    self._path.parent.mkdir(parents=True, exist_ok=True)
                    self._fh = self._path.open("w", encoding="utf-8")
                    self._summary.rejects_path = self._path
                self._fh.write(problem.format(self._summary.source) + "\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
