"""The demo's people area: demo users linked to employees, ideas in every state of the
workflow (one implemented idea targets the app touch-point on the day of the bad release,
so its measured change is the planted deterioration), training courses and completions,
a pulse round with enough answers, and programme news."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from cxm.domain.access import Principal
from cxm.domain.people import tenure_band
from cxm.services import auth
from cxm.services.demo.effects import DETERIORATING_TOUCHPOINT, DETERIORATION_DATE
from cxm.services.people import common, ideas, news, pulse_rounds, training
from cxm.services.runtime import Runtime
from cxm.store.tables import Base

EMPLOYEES = Base.metadata.tables["employees"]
ANSWERS = Base.metadata.tables["pulse_answers"]
PARTICIPATIONS = Base.metadata.tables["pulse_participations"]
#: demo user → (department, employee role) of the employee it is linked to
LINKS = {
    "pracownik": ("billing", "specialist"),
    "kierownik": ("customer_service", "manager"),
    "agent": ("customer_service", "agent"),
}
COURSES = (
    ("cs_basics", "Podstawy obsługi klienta", "Customer service basics", True, 24, 4.0),
    ("complaints", "Przyjmowanie reklamacji", "Handling complaints", True, 24, 3.0),
    (
        "inner_customer",
        "Klient wewnętrzny i zaplecze",
        "Internal customers and the back office",
        True,
        12,
        2.0,
    ),
    ("empathy", "Empatia w rozmowie", "Empathy in conversation", False, None, 2.0),
)
BLOCKERS = (
    "Za dużo przełączania między systemami.",
    "Brak informacji o statusie zamówienia.",
    "Procedura zwrotów jest zbyt długa.",
    "Nie mam uprawnień, żeby od razu pomóc klientowi.",
    "Too many manual steps in the billing system.",
    None,
    None,
)


def _principal(rt: Runtime, username: str) -> Principal:
    with rt.db.read() as conn:
        user_id = conn.execute(
            select(common.USERS.c.id).where(common.USERS.c.username == username)
        ).scalar()
    found = auth.principal_for_user(rt, int(user_id or 0))
    assert found is not None, username
    return found


def _link_demo_users(rt: Runtime) -> None:
    with rt.db.read() as conn:
        staff = conn.execute(
            select(EMPLOYEES.c.external_id, EMPLOYEES.c.department, EMPLOYEES.c.role).order_by(
                EMPLOYEES.c.external_id
            )
        ).all()
    taken: set[str] = set()
    for username, (department, role) in LINKS.items():
        match = next(
            (
                s.external_id
                for s in staff
                if s.department == department and s.role == role and s.external_id not in taken
            ),
            None,
        )
        if match is not None:
            taken.add(match)
            common.link_user(rt, username, match)


def _ideas(rt: Runtime) -> int:
    author = _principal(rt, "pracownik")
    agent = _principal(rt, "agent")
    reviewer = _principal(rt, "analityk")
    t0 = datetime(2025, 3, 3, 9)

    def submit(who: Principal, title: str, text: str, days: int, **kw: str) -> int:
        return ideas.submit_idea(rt, who, title, text, created_at=t0 + timedelta(days=days), **kw)

    def move(
        idea: int, days: int, *steps: str, note: str | None = None, merged: int | None = None
    ) -> None:
        for i, status in enumerate(steps):
            last = i == len(steps) - 1
            at = t0 + timedelta(days=days + 7 * i)
            ideas.change_status(
                rt,
                reviewer,
                idea,
                status,
                note=note if last else None,
                merged_into=merged if last else None,
                implemented_on=DETERIORATION_DATE if status == "implemented" else None,
                at=at,
            )

    app = submit(
        author,
        "Nowa wersja aplikacji z płatnością jednym kliknięciem",
        "Klienci w aplikacji mobilnej muszą przejść pięć ekranów, żeby zapłacić fakturę. "
        "Proponuję płatność jednym kliknięciem z ekranu głównego aplikacji.",
        0,
        touchpoint=DETERIORATING_TOUCHPOINT,
        department="it",
        pain_point="płatność w aplikacji",
    )
    move(app, 3, "under_review", "accepted")
    ideas.create_action(
        rt,
        reviewer,
        app,
        "Aplikacja 5.0: płatność jednym kliknięciem",
        (DETERIORATING_TOUCHPOINT,),
        "IT",
    )
    move(app, 30, "in_progress")
    ideas.comment_idea(rt, reviewer, app, "Wchodzi do wydania 5.0 razem z nowym ekranem głównym.")
    move(app, 60, "implemented", note="Wdrożone w wydaniu Aplikacja 5.0.")
    sms = submit(
        author,
        "Przypomnienie SMS przed wizytą technika",
        "Dzień wcześniej SMS z godziną wizyty technika, żeby klienci nie czekali cały dzień w "
        "domu.",
        5,
        touchpoint="technician_visit",
    )
    review = submit(
        agent,
        "Jedna infolinia dla reklamacji faktur",
        "Klienci dzwoniący w sprawie błędnej faktury są przełączani trzy razy. Jeden numer i "
        "jedna kolejka dla reklamacji faktur.",
        8,
        department="billing",
    )
    move(review, 10, "under_review")
    accepted = submit(
        author,
        "Faktura z wyjaśnieniem zmian kwoty",
        "Na fakturze krótkie wyjaśnienie, dlaczego kwota różni się od poprzedniej.",
        12,
        department="billing",
    )
    move(accepted, 14, "under_review", "accepted")
    progress = submit(
        agent,
        "Status zgłoszenia awarii w aplikacji",
        "Klient widzi w aplikacji, na jakim etapie jest jego zgłoszenie awarii.",
        15,
        touchpoint=DETERIORATING_TOUCHPOINT,
    )
    move(progress, 16, "under_review", "accepted", "in_progress")
    declined = submit(
        author,
        "Darmowa kawa w salonach",
        "Kawa dla czekających klientów w każdym salonie.",
        18,
        department="sales",
    )
    move(
        declined,
        20,
        "declined",
        note="Koszt przewyższa korzyść; najpierw skracamy czas oczekiwania.",
    )
    duplicate = submit(
        agent,
        "Przypomnienie SMS o wizycie technika",
        "SMS dzień przed wizytą technika z godziną.",
        22,
    )
    move(duplicate, 23, "merged", merged=sms)
    return 7


def _training(rt: Runtime, seed: int) -> int:
    rng = random.Random(seed)
    today = common.now().date()
    for key, pl, en, required, months, hours in COURSES:
        training.ensure_course(rt, key, pl, en, required=required, valid_months=months, hours=hours)
    with rt.db.read() as conn:
        staff = conn.execute(select(EMPLOYEES.c.external_id, EMPLOYEES.c.department)).all()
    back_office = set(rt.taxonomy.back_office_departments())
    done = 0
    for key, *_ in COURSES:
        rows = []
        for s in staff:
            share = 0.55 if s.department in back_office else 0.85
            if rng.random() < share:
                rows.append((s.external_id, today - timedelta(days=rng.randrange(30, 560))))
        done += training.record_completions(rt, key, rows)
    return done


def _pulse(rt: Runtime, seed: int) -> int:
    rng = random.Random(seed + 1)
    round_id = pulse_rounds.create_round(
        rt, "Puls pracowników", date(2025, 10, 1), date(2025, 12, 31), repeat_days=92
    )
    with rt.db.read() as conn:
        staff = conn.execute(
            select(
                EMPLOYEES.c.external_id,
                EMPLOYEES.c.department,
                EMPLOYEES.c.role,
                EMPLOYEES.c.hired_on,
            )
        ).all()
    answers, participants = [], []
    for s in staff:
        if rng.random() > 0.7:
            continue
        back = s.department in rt.taxonomy.back_office_departments()
        score = min(10, max(0, round(rng.gauss(6.5 if back else 7.5, 2.2))))
        serve = min(5, max(1, round(rng.gauss(3.2 if back else 3.9, 0.9))))
        years = (date(2025, 11, 1) - s.hired_on.date()).days / 365.25 if s.hired_on else None
        blockers = rng.choice(BLOCKERS)
        participants.append({"round_id": round_id, "employee_external_id": s.external_id})
        answers.append(
            {
                "round_id": round_id,
                "department": s.department,
                "role": s.role,
                "tenure": tenure_band(years),
                "enps": score,
                "serve": serve,
                "blockers": blockers,
                "answers": {"enps": score, "serve": serve, "blockers": blockers},
                "answered_on": date(2025, 10, 1) + timedelta(days=rng.randrange(60)),
            }
        )
    rng.shuffle(answers)  # the order of answers must not follow the order of people
    with rt.db.write() as conn:
        if participants:
            conn.execute(PARTICIPATIONS.insert(), participants)
            conn.execute(ANSWERS.insert(), answers)
    return len(answers)


def _news(rt: Runtime) -> int:
    admin = _principal(rt, "admin")
    items = (
        (
            "Startuje tablica pomysłów",
            "Każdy pracownik może zgłosić pomysł na lepszą obsługę klienta; o każdej zmianie "
            "statusu powiadomimy autora.",
            datetime(2025, 3, 1, 8),
        ),
        (
            "Aplikacja 5.0 wdrożona",
            "Nowa wersja aplikacji z płatnością jednym kliknięciem jest dostępna dla "
            "wszystkich klientów. Mierzymy jej wpływ na doświadczenia klientów.",
            datetime(2025, 5, 12, 8),
        ),
        (
            "Szkolenia dla zaplecza",
            "Rozliczenia, księgowość, IT i administracja też obsługują klientów — przez "
            "kolegów z pierwszej linii. Zapraszamy na szkolenie „Klient wewnętrzny i "
            "zaplecze”.",
            datetime(2025, 9, 15, 8),
        ),
    )
    for title, body, at in items:
        news.publish_news(rt, admin, title, body, published_at=at)
    return len(items)


def generate_people(rt: Runtime, seed: int = 7) -> dict[str, int]:
    """Write the demo's people area (after the employees and the demo users exist)."""
    _link_demo_users(rt)
    return {
        "ideas": _ideas(rt),
        "training_completions": _training(rt, seed),
        "pulse_answers": _pulse(rt, seed),
        "news": _news(rt),
    }
