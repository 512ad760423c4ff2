"""Creating and editing surveys, publishing versions and their distribution settings.

A draft survey is edited in place; publishing freezes the draft as version 1. Editing a live
survey publishes the change as the next version at once, so running invitations keep the
version they were sent with and new ones get the new one."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import yaml

from cxm.domain.errors import Conflict, MalformedFile, NotFound, ValidationFailed
from cxm.domain.surveys import KEY_PATTERN, SurveyDefinition, parse_definition
from cxm.services.runtime import Runtime
from cxm.store import surveys_invitations as invitation_store
from cxm.store import surveys_records as records
from cxm.store.bulk import utc_now

#: ``employee_pulse`` surveys are answered anonymously by employees on the pulse page and are
#: never sent, linked or triggered to customers.
KINDS = ("transactional", "relationship", "employee_pulse")
PULSE_KIND = "employee_pulse"
DEFAULT_DISTRIBUTION: dict[str, Any] = {
    "expiry_days": 14,
    "reminder_after_hours": 72,
    "fatigue_days": 90,
    "default_language": "pl",
    "email_subject_pl": "",
    "email_subject_en": "",
    "email_body_pl": "",
    "email_body_en": "",
}
_INT_SETTINGS = {
    "expiry_days": (1, 365),
    "reminder_after_hours": (0, 24 * 60),
    "fatigue_days": (0, 730),
}


class _DefinitionCache:
    """Parsed published versions (immutable, so cached for the process's lifetime)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, int, int], SurveyDefinition] = {}

    def get(self, rt: Runtime, survey_id: int, version: int) -> SurveyDefinition:
        key = (rt.settings.resolved_database_url, survey_id, version)
        found = self._items.get(key)
        if found is not None:
            return found
        row = records.fetch_version(rt.db, survey_id, version)
        if row is None:
            raise NotFound(f"survey {survey_id} has no version {version}", field="version")
        parsed = parse_definition(row["definition"])
        with self._lock:
            self._items[key] = parsed
        return parsed


DEFINITIONS = _DefinitionCache()


def _check_key(key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise ValidationFailed("key: lower-case letters, digits and _ (max 40)", field="key")


def check_distribution(values: dict[str, Any]) -> dict[str, Any]:
    merged = {**DEFAULT_DISTRIBUTION}
    for name, value in values.items():
        if name not in DEFAULT_DISTRIBUTION:
            raise ValidationFailed(f"unknown distribution setting '{name}'", field=name)
        if name in _INT_SETTINGS:
            low, high = _INT_SETTINGS[name]
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValidationFailed(f"{name} must be a whole number", field=name) from None
            if not low <= number <= high:
                raise ValidationFailed(f"{name} must be between {low} and {high}", field=name)
            merged[name] = number
        elif name == "default_language":
            if value not in ("pl", "en"):
                raise ValidationFailed("default_language must be pl or en", field=name)
            merged[name] = value
        else:
            merged[name] = str(value or "")[:2000]
    return merged


def create_survey(
    rt: Runtime,
    key: str,
    name: str,
    definition: Any,
    *,
    kind: str = "transactional",
    distribution: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new draft survey; Conflict if the key is taken."""
    _check_key(key)
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
    parsed = parse_definition(definition)
    if records.fetch_survey(rt.db, key) is not None:
        raise Conflict(f"a survey with key '{key}' exists", field="key")
    now = utc_now()
    records.insert_survey(
        rt.db,
        {
            "key": key,
            "name": (name or key)[:200],
            "kind": kind,
            "status": "draft",
            "draft": parsed.model_dump(mode="json", exclude_none=True),
            "current_version": 0,
            "distribution": check_distribution(distribution or {}),
            "created_at": now,
            "updated_at": now,
        },
    )
    return get_survey(rt, key)


def get_survey(rt: Runtime, key: str) -> dict[str, Any]:
    row = records.fetch_survey(rt.db, key)
    if row is None:
        raise NotFound(f"no survey with key '{key}'", field="key")
    row["versions"] = records.list_versions(rt.db, row["id"])
    return row


def get_survey_by_id(rt: Runtime, survey_id: int) -> dict[str, Any]:
    row = records.fetch_survey_by_id(rt.db, survey_id)
    if row is None:
        raise NotFound(f"no survey {survey_id}", field="survey")
    return row


def get_customer_survey(rt: Runtime, key: str) -> dict[str, Any]:
    """A survey that may be sent, linked or triggered to customers (not an employee pulse)."""
    survey = get_survey(rt, key)
    if survey["kind"] == PULSE_KIND:
        raise ValidationFailed(
            f"survey '{key}' is an employee pulse: employees answer it on the pulse page, "
            "it is never sent to customers",
            field="survey",
        )
    return survey


def list_surveys(rt: Runtime) -> list[dict[str, Any]]:
    return records.list_surveys(rt.db)


def update_survey(
    rt: Runtime,
    key: str,
    *,
    definition: Any = None,
    name: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Change the draft (and, for a live survey, publish it as the next version)."""
    survey = get_survey(rt, key)
    values: dict[str, Any] = {"updated_at": utc_now()}
    if name:
        values["name"] = name[:200]
    changed = False
    if definition is not None:
        dumped = parse_definition(definition).model_dump(mode="json", exclude_none=True)
        changed = dumped != survey["draft"]
        values["draft"] = dumped
    records.update_survey(rt.db, survey["id"], values)
    if changed and survey["status"] == "live":
        records.publish_version(rt.db, survey["id"], values["draft"], by, utc_now())
    return get_survey(rt, key)


def publish_survey(rt: Runtime, key: str, by: str | None = None) -> dict[str, Any]:
    """Freeze the draft as the next version (nothing new when it equals the current one)."""
    survey = get_survey(rt, key)
    if survey["current_version"]:
        current = records.fetch_version(rt.db, survey["id"], survey["current_version"])
        if current is not None and current["definition"] == survey["draft"]:
            if survey["status"] != "live":
                records.update_survey(rt.db, survey["id"], {"status": "live"})
            return get_survey(rt, key)
    records.publish_version(rt.db, survey["id"], survey["draft"], by, utc_now())
    return get_survey(rt, key)


def archive_survey(rt: Runtime, key: str) -> dict[str, Any]:
    survey = get_survey(rt, key)
    now = utc_now()
    records.update_survey(rt.db, survey["id"], {"status": "archived", "updated_at": now})
    invitation_store.expire_open_invitations(rt.db, survey["id"], now)
    return get_survey(rt, key)


def update_distribution(rt: Runtime, key: str, values: dict[str, Any]) -> dict[str, Any]:
    survey = get_survey(rt, key)
    merged = check_distribution({**survey["distribution"], **values})
    records.update_survey(rt.db, survey["id"], {"distribution": merged, "updated_at": utc_now()})
    return get_survey(rt, key)


def live_definition(rt: Runtime, survey: dict[str, Any]) -> SurveyDefinition:
    if survey["status"] != "live" or not survey["current_version"]:
        raise Conflict(f"survey '{survey['key']}' is not published", field="key")
    return DEFINITIONS.get(rt, survey["id"], survey["current_version"])


def version_definition(rt: Runtime, survey: dict[str, Any], version: int) -> SurveyDefinition:
    """One published version of a survey (as :func:`get_survey` returns it)."""
    if version not in {v["version"] for v in survey["versions"]}:
        raise NotFound(f"survey '{survey['key']}' has no version {version}", field="version")
    return DEFINITIONS.get(rt, survey["id"], version)


def read_survey_file(path: Path) -> dict[str, Any]:
    """A survey YAML file: ``key``, ``name``, ``kind``, ``distribution`` and the definition
    (``title``, ``intro``, ``thank_you``, ``anonymous``, ``questions``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MalformedFile(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or "key" not in data:
        raise MalformedFile(f"{path}: a mapping with key, name and questions is expected")
    return data


def create_survey_from_file(rt: Runtime, path: Path, *, publish: bool = False) -> dict[str, Any]:
    data = read_survey_file(path)
    meta = {k: data.pop(k) for k in ("key", "name", "kind", "distribution") if k in data}
    survey = create_survey(
        rt,
        str(meta["key"]),
        str(meta.get("name") or meta["key"]),
        data,
        kind=str(meta.get("kind", "transactional")),
        distribution=meta.get("distribution"),
    )
    return publish_survey(rt, survey["key"]) if publish else survey
