"""The designer's HTML form ↔ a survey definition: one fieldset per question (plus an empty
one to add a question), choices as lines ``key | Polish | English``, the scale's end labels,
each condition as question / operator / value (repeated fields, plus an empty one to add a
condition). Works without JavaScript, and a save keeps everything the definition holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxm.domain.surveys import EMOTIONS

OPERATORS = ("eq", "ne", "in", "lte", "gte", "answered")


@dataclass(frozen=True)
class QuestionRow:
    index: int
    key: str
    type: str
    required: bool
    text_pl: str
    text_en: str
    help_pl: str
    help_en: str
    choices: str
    emotions: tuple[str, ...]
    scale_min: int
    scale_max: int
    low_pl: str
    low_en: str
    high_pl: str
    high_en: str
    #: (question, operator, value) of every condition, all of which must hold, and an
    #: empty one to add a condition
    conditions: tuple[tuple[str, str, str], ...]


def rows_of(definition: dict[str, Any]) -> tuple[QuestionRow, ...]:
    """Editable rows of a definition's questions, plus an empty row to add one."""
    rows = []
    for i, q in enumerate(definition.get("questions", [])):
        low, high = q.get("low_label") or {}, q.get("high_label") or {}
        rows.append(
            QuestionRow(
                index=i,
                key=q["key"],
                type=q["type"],
                required=bool(q.get("required")),
                text_pl=q["text"]["pl"],
                text_en=q["text"].get("en", ""),
                help_pl=(q.get("help") or {}).get("pl", ""),
                help_en=(q.get("help") or {}).get("en", ""),
                choices="\n".join(
                    f"{c['key']} | {c['text']['pl']} | {c['text'].get('en', '')}"
                    for c in q.get("choices", [])
                ),
                emotions=tuple(q.get("emotions") or ()),
                scale_min=int(q.get("scale_min", 1)),
                scale_max=int(q.get("scale_max", 5)),
                low_pl=low.get("pl", ""),
                low_en=low.get("en", ""),
                high_pl=high.get("pl", ""),
                high_en=high.get("en", ""),
                conditions=(*map(_condition_row, q.get("show_if") or ()), ("", "eq", "")),
            )
        )
    rows.append(
        QuestionRow(
            len(rows), "", "csat", False, "", "", "", "", "", (), 1, 5, "", "", "", "",
            (("", "eq", ""),),
        )
    )  # fmt: skip
    return tuple(rows)


def _condition_row(condition: dict[str, Any]) -> tuple[str, str, str]:
    value = condition.get("value")
    shown = (
        ",".join(map(str, value))
        if isinstance(value, list)
        else ("" if value is None else str(value))
    )
    return condition.get("question", ""), condition.get("op", "eq"), shown


def _texts(pl: str, en: str) -> dict[str, str] | None:
    pl, en = pl.strip(), en.strip()
    return {"pl": pl, "en": en} if pl else None


def _value(raw: str, op: str) -> Any:
    raw = raw.strip()
    if op == "answered":
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    converted: list[Any] = [int(p) if p.lstrip("-").isdigit() else p for p in parts]
    if op == "in":
        return converted
    return converted[0] if converted else None


def definition_from_form(form: dict[str, list[str]]) -> dict[str, Any]:
    """The definition the form describes (validated later by the domain)."""

    def one(name: str, default: str = "") -> str:
        values = form.get(name)
        return values[0] if values else default

    count = int(one("count", "0") or 0)
    items: list[tuple[float, dict[str, Any]]] = []
    for i in range(count + 1):
        key = one(f"q{i}_key").strip()
        if not key or one(f"q{i}_delete"):
            continue
        qtype = one(f"q{i}_type", "text")
        question: dict[str, Any] = {
            "key": key,
            "type": qtype,
            "required": bool(one(f"q{i}_required")),
            "text": _texts(one(f"q{i}_text_pl"), one(f"q{i}_text_en")) or {"pl": key},
        }
        help_texts = _texts(one(f"q{i}_help_pl"), one(f"q{i}_help_en"))
        if help_texts:
            question["help"] = help_texts
        if qtype in ("single", "multiple"):
            choices = []
            for line in one(f"q{i}_choices").splitlines():
                parts = [p.strip() for p in line.split("|")]
                if parts and parts[0]:
                    pl = parts[1] if len(parts) > 1 and parts[1] else parts[0]
                    en = parts[2] if len(parts) > 2 else ""
                    choices.append({"key": parts[0], "text": {"pl": pl, "en": en}})
            question["choices"] = choices
        if qtype == "emotion":
            question["emotions"] = [e for e in form.get(f"q{i}_emotions", []) if e in EMOTIONS]
        if qtype == "rating":
            question["scale_min"] = int(one(f"q{i}_scale_min", "1") or 1)
            question["scale_max"] = int(one(f"q{i}_scale_max", "5") or 5)
        for end in ("low", "high"):
            label = _texts(one(f"q{i}_{end}_pl"), one(f"q{i}_{end}_en"))
            if label:
                question[f"{end}_label"] = label
        conditions = zip(
            form.get(f"q{i}_cond_question", []),
            form.get(f"q{i}_cond_op", []),
            form.get(f"q{i}_cond_value", []),
            strict=False,
        )
        show_if = [
            {"question": name.strip(), "op": op, "value": _value(value, op)}
            for name, op, value in conditions
            if name.strip()
        ]
        if show_if:
            question["show_if"] = show_if
        try:
            position = float(one(f"q{i}_position", str(i)) or i)
        except ValueError:
            position = float(i)
        items.append((position, question))
    items.sort(key=lambda item: item[0])
    definition: dict[str, Any] = {
        "title": _texts(one("title_pl"), one("title_en")) or {"pl": "Ankieta"},
        "anonymous": bool(one("anonymous")),
        "questions": [q for _, q in items],
    }
    intro = _texts(one("intro_pl"), one("intro_en"))
    if intro:
        definition["intro"] = intro
    thanks = _texts(one("thank_you_pl"), one("thank_you_en"))
    if thanks:
        definition["thank_you"] = thanks
    return definition
