"""The runtime a service call needs: settings, the system of record and the taxonomy."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cxm.config import Settings, get_settings
from cxm.domain.access import Principal
from cxm.domain.taxonomy import Taxonomy
from cxm.store.database import Database


@dataclass
class Runtime:
    """Everything services share in one process; build it once with :func:`open_runtime`."""

    settings: Settings
    db: Database
    _taxonomy: Taxonomy | None = field(default=None, repr=False)
    _taxonomy_mtime: float | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: API tokens this process checked lately: token hash → (principal, trusted until),
    #: see ``services.auth.authenticate_token``.
    trusted_tokens: dict[str, tuple[Principal, float]] = field(default_factory=dict, repr=False)

    @property
    def taxonomy(self) -> Taxonomy:
        from cxm.services import taxonomy as taxonomy_service

        mtime = self._file_mtime()
        with self._lock:
            # another worker process may have replaced the file: reload when it changed
            if self._taxonomy is None or mtime != self._taxonomy_mtime:
                self._taxonomy = taxonomy_service.load_taxonomy(self.settings)
                self._taxonomy_mtime = self._file_mtime()
            return self._taxonomy

    def _file_mtime(self) -> float | None:
        try:
            return self.settings.resolved_taxonomy_file.stat().st_mtime
        except FileNotFoundError:
            return None

    def replace_taxonomy(self, taxonomy: Taxonomy) -> None:
        with self._lock:
            self._taxonomy = taxonomy
            self._taxonomy_mtime = self._file_mtime()

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_runtime(settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
    """Open the data directory and database, bringing the schema up to date."""
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    if migrate:
        db.upgrade()
    return Runtime(settings=settings, db=db)
