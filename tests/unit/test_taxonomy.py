from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from cxm.domain.errors import TaxonomyInvalid
from cxm.domain.taxonomy import parse_taxonomy
from cxm.services.taxonomy import default_taxonomy_text, load_taxonomy, save_taxonomy


def _default() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_taxonomy_text())
    return data


def test_default_taxonomy_valid_with_all_dimensions() -> None:
    t = parse_taxonomy(_default())
    for dim in (
        "touchpoint",
        "channel",
        "product",
        "segment",
        "lifecycle_stage",
        "department",
        "process",
        "transaction_type",
        "journey",
        "stage",
    ):
        assert t.keys(dim), dim
    assert {"accounting", "it", "administration"} <= set(t.back_office_departments())
    for dim in ("touchpoint", "department"):
        for item in t.items(dim):
            assert item.label.pl and item.label.en


def test_unknown_department_reference_names_the_key() -> None:
    data = _default()
    data["journeys"][0]["stages"][0]["touchpoints"][0]["department"] = "nowhere"
    with pytest.raises(TaxonomyInvalid) as exc:
        parse_taxonomy(data)
    assert "ad_campaign" in exc.value.message and "nowhere" in exc.value.message


def test_unknown_channel_and_process_references_rejected() -> None:
    data = _default()
    data["journeys"][0]["stages"][0]["touchpoints"][0]["channels"] = ["pigeon"]
    with pytest.raises(TaxonomyInvalid, match="pigeon"):
        parse_taxonomy(data)
    data = _default()
    data["transaction_types"][0]["process"] = "nope"
    with pytest.raises(TaxonomyInvalid, match=r"transaction_types\.new_contract\.process"):
        parse_taxonomy(data)


def test_duplicate_key_rejected() -> None:
    data = _default()
    data["channels"].append(copy.deepcopy(data["channels"][0]))
    with pytest.raises(TaxonomyInvalid, match="defined twice"):
        parse_taxonomy(data)


def test_missing_english_label_rejected() -> None:
    data = _default()
    del data["products"][0]["label"]["en"]
    with pytest.raises(TaxonomyInvalid, match=r"products\.0\.label\.en"):
        parse_taxonomy(data)


def test_save_roundtrip_and_invalid_save_keeps_file(settings) -> None:  # type: ignore[no-untyped-def]
    t = load_taxonomy(settings)
    data = t.model_dump(mode="json", exclude_none=True)
    data["channels"].append({"key": "kiosk", "label": {"pl": "Kiosk", "en": "Kiosk"}})
    save_taxonomy(settings, data)
    assert "kiosk" in load_taxonomy(settings).keys("channel")
    data["processes"][0]["department"] = "ghost"
    with pytest.raises(TaxonomyInvalid):
        save_taxonomy(settings, data)
    assert "kiosk" in load_taxonomy(settings).keys("channel")
