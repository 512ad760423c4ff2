"""The company's CX model: journeys → stages → touch-points, and the dimension vocabularies.

Pure and validated: unknown references and duplicate keys raise ``TaxonomyInvalid`` naming
the exact key path. Every item carries a Polish and an English label."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cxm.domain.errors import TaxonomyInvalid

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
LANGUAGES = ("pl", "en")


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.pl


class Item(BaseModel):
    """A keyed, labelled vocabulary entry (channel, product, segment …)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str = Field(pattern=KEY_PATTERN)
    label: Label
    description: Label | None = None


class Department(Item):
    back_office: bool = False


class Process(Item):
    department: str | None = None


class TransactionType(Item):
    process: str | None = None


class TouchPoint(Item):
    department: str | None = None
    channels: tuple[str, ...] = ()


class Stage(Item):
    touchpoints: tuple[TouchPoint, ...] = Field(min_length=1)


class Journey(Item):
    stages: tuple[Stage, ...] = Field(min_length=1)


class Taxonomy(BaseModel):
    """The whole CX model. Build with :func:`parse_taxonomy` to get full validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    company: Label = Label(pl="Firma", en="Company")
    journeys: tuple[Journey, ...] = Field(min_length=1)
    channels: tuple[Item, ...] = Field(min_length=1)
    products: tuple[Item, ...] = Field(min_length=1)
    segments: tuple[Item, ...] = Field(min_length=1)
    lifecycle_stages: tuple[Item, ...] = Field(min_length=1)
    departments: tuple[Department, ...] = Field(min_length=1)
    processes: tuple[Process, ...] = Field(min_length=1)
    transaction_types: tuple[TransactionType, ...] = Field(min_length=1)

    # --- lookups -------------------------------------------------------------------
    def stages(self) -> list[tuple[Journey, Stage]]:
        return [(j, s) for j in self.journeys for s in j.stages]

    def touchpoints(self) -> list[tuple[Journey, Stage, TouchPoint]]:
        return [(j, s, t) for j in self.journeys for s in j.stages for t in s.touchpoints]

    def items(self, dimension: str) -> tuple[Item, ...]:
        """The vocabulary of one dimension (``touchpoint``, ``channel``, ``segment`` …)."""
        if dimension == "journey":
            return self.journeys
        if dimension == "stage":
            return tuple(s for _, s in self.stages())
        if dimension == "touchpoint":
            return tuple(t for _, _, t in self.touchpoints())
        attr = _PLURAL.get(dimension)
        if attr is None:
            raise TaxonomyInvalid(f"unknown dimension '{dimension}'", field=dimension)
        items: tuple[Item, ...] = getattr(self, attr)
        return items

    def keys(self, dimension: str) -> list[str]:
        return [item.key for item in self.items(dimension)]

    def label(self, dimension: str, key: str, language: str = "pl") -> str:
        for item in self.items(dimension):
            if item.key == key:
                return item.label.in_language(language)
        return key

    def labels(self, dimension: str, language: str = "pl") -> dict[str, str]:
        return {i.key: i.label.in_language(language) for i in self.items(dimension)}

    def touchpoint_placement(self) -> dict[str, tuple[str, str]]:
        """touch-point key → (journey key, stage key)."""
        return {t.key: (j.key, s.key) for j, s, t in self.touchpoints()}

    def touchpoint(self, key: str) -> TouchPoint | None:
        return next((t for _, _, t in self.touchpoints() if t.key == key), None)

    def back_office_departments(self) -> list[str]:
        return [d.key for d in self.departments if d.back_office]


_PLURAL = {
    "channel": "channels",
    "product": "products",
    "segment": "segments",
    "lifecycle_stage": "lifecycle_stages",
    "department": "departments",
    "process": "processes",
    "transaction_type": "transaction_types",
}


def parse_taxonomy(data: Any) -> Taxonomy:
    """Validate raw data (from YAML or the API) into a Taxonomy, or raise TaxonomyInvalid."""
    if not isinstance(data, dict):
        raise TaxonomyInvalid("the taxonomy must be a mapping of sections")
    try:
        taxonomy = Taxonomy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise TaxonomyInvalid(
            f"{path}: {first['msg']} ({len(exc.errors())} problem(s) in all)", field=path
        ) from exc
    _check_unique_keys(taxonomy)
    _check_references(taxonomy)
    return taxonomy


def _check_unique_keys(t: Taxonomy) -> None:
    for dimension in ("journey", "stage", "touchpoint", *_PLURAL):
        seen: set[str] = set()
        for item in t.items(dimension):
            if item.key in seen:
                raise TaxonomyInvalid(
                    f"{dimension} key '{item.key}' is defined twice",
                    field=f"{dimension}.{item.key}",
                )
            seen.add(item.key)


def _require(known: Iterable[str], key: str | None, where: str, what: str) -> None:
    if key is not None and key not in set(known):
        raise TaxonomyInvalid(f"{where}: unknown {what} '{key}'", field=where)


def _check_references(t: Taxonomy) -> None:
    departments, channels = t.keys("department"), t.keys("channel")
    for _, _, tp in t.touchpoints():
        where = f"touchpoints.{tp.key}"
        _require(departments, tp.department, f"{where}.department", "department")
        for channel in tp.channels:
            _require(channels, channel, f"{where}.channels", "channel")
    for process in t.processes:
        _require(
            departments, process.department, f"processes.{process.key}.department", "department"
        )
    processes = t.keys("process")
    for tt in t.transaction_types:
        _require(processes, tt.process, f"transaction_types.{tt.key}.process", "process")
