"""Reading, validating and replacing the company's CX model (a YAML file in the data dir)."""

from __future__ import annotations

import os
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from cxm.config import Settings
from cxm.domain.errors import MalformedFile
from cxm.domain.taxonomy import Taxonomy, parse_taxonomy

DEFAULT_TAXONOMY = files("cxm.domain").joinpath("default_taxonomy.yaml")


def default_taxonomy_text() -> str:
    return DEFAULT_TAXONOMY.read_text(encoding="utf-8")


def read_taxonomy_file(path: Path) -> Taxonomy:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MalformedFile(f"{path}: cannot read the taxonomy: {exc}") from exc
    return parse_taxonomy(data)


def load_taxonomy(settings: Settings) -> Taxonomy:
    """The taxonomy of the data directory, written from the default on first use."""
    path = settings.resolved_taxonomy_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(default_taxonomy_text(), encoding="utf-8")
    return read_taxonomy_file(path)


def save_taxonomy(settings: Settings, data: dict[str, Any]) -> Taxonomy:
    """Validate and atomically replace the taxonomy file; nothing is written if invalid."""
    taxonomy = parse_taxonomy(data)
    path = settings.resolved_taxonomy_file
    path.parent.mkdir(parents=True, exist_ok=True)
    dumped = taxonomy.model_dump(mode="json", exclude_none=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".taxonomy-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yaml.safe_dump(dumped, fh, allow_unicode=True, sort_keys=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return taxonomy


def taxonomy_as_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    return taxonomy.model_dump(mode="json", exclude_none=True)
