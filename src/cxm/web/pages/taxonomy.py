"""The CX model page: journeys → stages → touch-points and every dimension's vocabulary with
Polish and English labels; admins edit it as YAML (validated, errors name the key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from cxm.domain.access import Principal
from cxm.domain.errors import CxmError, MalformedFile
from cxm.domain.taxonomy import Item, Taxonomy
from cxm.services.taxonomy import save_taxonomy, taxonomy_as_dict
from cxm.web import i18n
from cxm.web.deps import LanguageDep, PrincipalDep, RuntimeDep, call_service, require_roles
from cxm.web.i18n import N_
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.filters import dimension_name

router = APIRouter()
VOCABULARIES = (
    "channel",
    "product",
    "segment",
    "lifecycle_stage",
    "department",
    "process",
    "transaction_type",
)


@dataclass(frozen=True)
class ItemView:
    key: str
    pl: str
    en: str
    note: str


@dataclass(frozen=True)
class StageView:
    key: str
    pl: str
    en: str
    touchpoints: tuple[ItemView, ...]


@dataclass(frozen=True)
class JourneyView:
    key: str
    pl: str
    en: str
    stages: tuple[StageView, ...]


@dataclass(frozen=True)
class VocabularyView:
    dimension: str
    name: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class TaxonomyContext:
    company: str
    journeys: tuple[JourneyView, ...]
    vocabularies: tuple[VocabularyView, ...]
    can_edit: bool
    yaml_text: str
    error: str | None
    error_field: str | None
    saved: bool


def _note(taxonomy: Taxonomy, item: Item, language: str) -> str:
    parts = []
    department = getattr(item, "department", None)
    if department:
        parts.append(taxonomy.label("department", department, language))
    process = getattr(item, "process", None)
    if process:
        parts.append(taxonomy.label("process", process, language))
    channels = getattr(item, "channels", ())
    if channels:
        parts.append(", ".join(taxonomy.label("channel", c, language) for c in channels))
    if getattr(item, "back_office", False):
        parts.append(i18n.gettext(language, "back office"))
    return " · ".join(parts)


def _item(taxonomy: Taxonomy, item: Item, language: str) -> ItemView:
    return ItemView(item.key, item.label.pl, item.label.en, _note(taxonomy, item, language))


def build_context(
    taxonomy: Taxonomy,
    principal: Principal,
    language: str,
    *,
    yaml_text: str | None = None,
    error: CxmError | None = None,
    saved: bool = False,
) -> TaxonomyContext:
    journeys = tuple(
        JourneyView(
            j.key,
            j.label.pl,
            j.label.en,
            tuple(
                StageView(
                    s.key,
                    s.label.pl,
                    s.label.en,
                    tuple(_item(taxonomy, t, language) for t in s.touchpoints),
                )
                for s in j.stages
            ),
        )
        for j in taxonomy.journeys
    )
    vocabularies = tuple(
        VocabularyView(
            d,
            dimension_name(d, language),
            tuple(_item(taxonomy, i, language) for i in taxonomy.items(d)),
        )
        for d in VOCABULARIES
    )
    can_edit = principal.role == "admin"
    if yaml_text is None and can_edit:
        yaml_text = yaml.safe_dump(
            taxonomy_as_dict(taxonomy), allow_unicode=True, sort_keys=False, width=100
        )
    return TaxonomyContext(
        company=taxonomy.company.in_language(language),
        journeys=journeys,
        vocabularies=vocabularies,
        can_edit=can_edit,
        yaml_text=yaml_text or "",
        error=error.message if error else None,
        error_field=error.field if error else None,
        saved=saved,
    )


def parse_yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MalformedFile(f"not valid YAML: {exc}", field="yaml") from exc
    if not isinstance(data, dict):
        raise MalformedFile("the taxonomy must be a YAML mapping of sections", field="yaml")
    return data


@router.get("/taxonomy", response_class=Response, include_in_schema=False)
async def taxonomy_page(
    request: Request, rt: RuntimeDep, principal: PrincipalDep, language: LanguageDep, saved: int = 0
) -> Response:
    ctx = build_context(rt.taxonomy, principal, language, saved=bool(saved))
    return render(
        request, "taxonomy.html", build_chrome(request, principal, language, N_("CX model")), ctx
    )


@router.post("/taxonomy", response_class=Response, include_in_schema=False)
async def taxonomy_submit(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    principal: Principal = Depends(require_roles("admin")),
    yaml_text: str = Form(...),
) -> Response:
    try:
        data = parse_yaml(yaml_text)
        taxonomy = await call_service(rt, save_taxonomy, rt.settings, data)
    except CxmError as exc:
        ctx = build_context(rt.taxonomy, principal, language, yaml_text=yaml_text, error=exc)
        chrome = build_chrome(request, principal, language, N_("CX model"))
        return render(request, "taxonomy.html", chrome, ctx, status_code=exc.http_status)
    rt.replace_taxonomy(taxonomy)
    return RedirectResponse("/taxonomy?saved=1", status_code=303)
