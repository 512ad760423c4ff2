"""Ingestion: files (CSV, JSONL, Parquet) and API records into the experience tables.

Readers stream batches, validation is vectorised per batch, enrichment resolves external
ids and inherits dimensions, and the store upserts by external id. The single-response
fast path for the HTTP API lives in :mod:`cxm.services.ingest.responses`."""

from cxm.services.ingest.columns import KINDS
from cxm.services.ingest.pipeline import (
    MAX_API_RECORDS,
    check_kind,
    default_rejects_path,
    import_file,
    import_files,
    import_records,
    recent_imports,
)
from cxm.services.ingest.responses import get_response, ingest_response, validate_response
from cxm.services.ingest.summary import ImportRunView, ImportSummary, Reject

__all__ = [
    "KINDS",
    "MAX_API_RECORDS",
    "ImportRunView",
    "ImportSummary",
    "Reject",
    "check_kind",
    "default_rejects_path",
    "get_response",
    "import_file",
    "import_files",
    "import_records",
    "ingest_response",
    "recent_imports",
    "validate_response",
]
