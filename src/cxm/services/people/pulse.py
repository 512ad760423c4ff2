"""The employee pulse: recurring short anonymous surveys (eNPS, "how well can you serve
customers?" 1–5, "what stops you?") asked through the survey engine: a round asks a survey
of kind ``employee_pulse`` (:mod:`cxm.services.people.pulse_rounds`), its answers are
validated by the survey engine's rules (:func:`cxm.domain.surveys.clean_answers`).

Anonymity: an answer stores only the groups it belongs to (department, role, tenure band),
the day and the answers; who answered is kept apart (to answer once). No result is shown
for a group smaller than ``CXM_PULSE_MIN_GROUP`` (default 5), nor for a group that a filter
or a breakdown would isolate by difference (:func:`cxm.domain.people.group_allowed`).
Answers are few (one per employee and round) and are read from the system of record."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from cxm.domain.access import Principal
from cxm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from cxm.domain.people import (
    PULSE_DIMENSIONS,
    UNKNOWN,
    GroupKey,
    PulseCell,
    enps,
    group_key,
    pulse_questions,
    shown_groups,
    tenure_band,
)
from cxm.domain.surveys import clean_answers
from cxm.services.people.common import T, employee_of_user, now
from cxm.services.people.pulse_rounds import ROUNDS, round_definition
from cxm.services.runtime import Runtime

ANSWERS = T["pulse_answers"]
PARTICIPATIONS = T["pulse_participations"]
RESULT_ROLES = ("admin", "analyst", "manager")


def min_group(rt: Runtime) -> int:
    """k: the smallest group whose result may be shown (``CXM_PULSE_MIN_GROUP``)."""
    return max(2, int(rt.settings.pulse_min_group))


def has_answered(rt: Runtime, principal: Principal, round_id: int) -> bool:
    with rt.db.read() as conn:
        employee = employee_of_user(conn, principal.user_id)
        if employee is None:
            return False
        found = conn.execute(
            select(PARTICIPATIONS.c.round_id).where(
                PARTICIPATIONS.c.round_id == round_id,
                PARTICIPATIONS.c.employee_external_id == employee.external_id,
            )
        ).first()
    return found is not None


def submit_pulse(
    rt: Runtime,
    principal: Principal,
    round_id: int,
    form: dict[str, list[str]],
    *,
    language: str = "pl",
    today: date | None = None,
) -> None:
    """Record one anonymous answer of the principal's employee (once per round); ``form``
    holds the values per question key of the round's survey. ValidationFailed names the
    first question answered wrongly (``field`` is its key)."""
    definition = round_definition(rt, round_id)
    answers, errors = clean_answers(definition, form, language)
    if errors:
        key, problem = next(iter(errors.items()))
        raise ValidationFailed(f"question '{key}': {problem}", field=key)
    keys = pulse_questions(definition)
    blockers = answers.get(keys.blockers) if keys.blockers else None
    today = today or now().date()
    with rt.db.write() as conn:
        round_row = conn.execute(select(ROUNDS).where(ROUNDS.c.id == round_id)).first()
        if round_row is None:
            raise NotFound(f"no pulse round {round_id}", field="round_id")
        if not round_row.opens_on <= today <= round_row.closes_on:
            raise ValidationFailed("this round is not open", field="round_id")
        employee = employee_of_user(conn, principal.user_id)
        if employee is None:
            raise PermissionDenied("only an employee's account can answer the pulse")
        done = conn.execute(
            select(PARTICIPATIONS.c.round_id).where(
                PARTICIPATIONS.c.round_id == round_id,
                PARTICIPATIONS.c.employee_external_id == employee.external_id,
            )
        ).first()
        if done is not None:
            raise Conflict("you have already answered this round", field="round_id")
        years = (
            (today - employee.hired_on.date()).days / 365.25
            if employee.hired_on is not None
            else None
        )
        conn.execute(
            PARTICIPATIONS.insert().values(
                round_id=round_id, employee_external_id=employee.external_id
            )
        )
        conn.execute(
            ANSWERS.insert().values(
                round_id=round_id,
                department=employee.department,
                role=employee.role,
                tenure=tenure_band(years),
                enps=answers[keys.enps],
                serve=answers[keys.serve],
                blockers=blockers[:2000] if blockers else None,
                answers=answers,
                answered_on=today,
            )
        )


@dataclass(frozen=True)
class PulseResult:
    round_id: int
    k: int
    where: Mapping[str, str]
    total: PulseCell
    by: str | None
    rows: tuple[PulseCell, ...]
    #: the keys of the survey's further numeric questions, whose means each cell carries
    others: tuple[str, ...] = ()


def _check_where(where: Mapping[str, str], by: str | None) -> None:
    for dimension in where:
        if dimension not in PULSE_DIMENSIONS:
            raise ValidationFailed(f"unknown pulse dimension '{dimension}'", field="where")
    if by is not None and (by not in PULSE_DIMENSIONS or by in where):
        raise ValidationFailed(f"cannot break down by '{by}'", field="by")


def _scoped(principal: Principal, where: Mapping[str, str]) -> dict[str, str]:
    if principal.role not in RESULT_ROLES:
        raise PermissionDenied("pulse results are for managers, analysts and administrators")
    scope = principal.department_scope
    if scope is None:
        return dict(where)
    asked = where.get("department")
    if asked is not None and asked not in scope:
        raise PermissionDenied("a manager sees only their own department's pulse")
    return {**where, "department": scope[0]} if scope else {**where, "department": "\x00none"}


def _cell(
    rows: list[dict[str, Any]],
    where: Mapping[str, str],
    shown: set[GroupKey],
    others: tuple[str, ...],
) -> PulseCell:
    if group_key(where) not in shown:
        return PulseCell(where=dict(where), suppressed=True, n=None)
    group = [r for r in rows if all((r.get(d) or UNKNOWN) == v for d, v in where.items())]
    scores = [int(r["enps"]) for r in group]
    serve = [int(r["serve"]) for r in group]
    blockers = [str(r["blockers"]) for r in group if r.get("blockers")]
    random.Random(len(group)).shuffle(blockers)  # no answer order to match people by
    means = []
    for key in others:
        values = [r["answers"][key] for r in group if (r["answers"] or {}).get(key) is not None]
        means.append((key, sum(values) / len(values) if values else None))
    return PulseCell(
        where=dict(where),
        suppressed=False,
        n=len(group),
        enps=enps(scores),
        promoters=100.0 * sum(s >= 9 for s in scores) / len(scores),
        detractors=100.0 * sum(s <= 6 for s in scores) / len(scores),
        serve_mean=sum(serve) / len(serve),
        blockers=tuple(blockers[:50]),
        others=tuple(means),
    )


def pulse_results(
    rt: Runtime,
    principal: Principal,
    round_id: int,
    where: Mapping[str, str] | None = None,
    by: str | None = None,
) -> PulseResult:
    """A round's result for the filtered group and, with ``by``, each of its subgroups;
    every group below k or isolable by difference is suppressed (no numbers at all)."""
    where = dict(where or {})
    _check_where(where, by)
    where = _scoped(principal, where)
    k = min_group(rt)
    definition = round_definition(rt, round_id)
    others = pulse_questions(definition).others
    with rt.db.read() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    ANSWERS.c.department,
                    ANSWERS.c.role,
                    ANSWERS.c.tenure,
                    ANSWERS.c.enps,
                    ANSWERS.c.serve,
                    ANSWERS.c.blockers,
                    ANSWERS.c.answers,
                ).where(ANSWERS.c.round_id == round_id)
            ).all()
        ]
    shown = shown_groups(rows, k)  # type: ignore[arg-type]
    total = _cell(rows, where, shown, others)
    cells: list[PulseCell] = []
    if by is not None and not total.suppressed:
        values = sorted(
            {
                str(r.get(by) or UNKNOWN)
                for r in rows
                if all((r.get(d) or UNKNOWN) == v for d, v in where.items())
            }
        )
        cells = [_cell(rows, {**where, by: value}, shown, others) for value in values]
    return PulseResult(round_id, k, where, total, by, tuple(cells), others)


def export_csv(result: PulseResult) -> str:
    """The shown groups as CSV; a suppressed group is a row with no numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "round",
            *PULSE_DIMENSIONS,
            "n",
            "enps",
            "promoters",
            "detractors",
            "serve_mean",
            *(f"mean_{key}" for key in result.others),
            "suppressed",
        ]
    )
    for cell in (result.total, *result.rows):
        dims = [cell.where.get(d, "") for d in PULSE_DIMENSIONS]
        if cell.suppressed:
            blank = [""] * (5 + len(result.others))
            writer.writerow([result.round_id, *dims, *blank, "true"])
        else:
            writer.writerow(
                [
                    result.round_id,
                    *dims,
                    cell.n,
                    f"{cell.enps:.1f}",
                    f"{cell.promoters:.1f}",
                    f"{cell.detractors:.1f}",
                    f"{cell.serve_mean:.2f}",
                    *("" if mean is None else f"{mean:.2f}" for _, mean in cell.others),
                    "false",
                ]
            )
    return out.getvalue()
