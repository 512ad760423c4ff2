"""A person's path through the dashboard in a real browser: log in, open the overview,
change a filter, and see the numbers and the chart change (Debian's Chromium, Playwright)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CHROMIUM

from cxm.config import Settings
from cxm.services import auth
from cxm.services.runtime import open_runtime
from factories import insert_responses

PASSWORD = "browser-pass-1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]


def _responses() -> list[dict[str, Any]]:
    """A year of responses: families are mostly promoters, seniors mostly detractors."""
    rng = random.Random(11)
    rows = []
    start = datetime(2025, 1, 1)
    touchpoints = ("hotline", "invoice", "store_sale", "online_order", "chat_support", "payment")
    for i in range(1800):
        segment = ("family", "senior", "young")[i % 3]
        weights = {"family": (1, 2, 7), "senior": (6, 2, 2), "young": (3, 3, 4)}[segment]
        band = rng.choices(("detractor", "passive", "promoter"), weights)[0]
        nps = {"detractor": rng.randint(0, 6), "passive": rng.randint(7, 8)}.get(
            band, rng.randint(9, 10)
        )
        rows.append(
            {
                "external_id": f"b{i}",
                "source": "survey",
                "responded_at": start + timedelta(hours=i * 4.8),
                "nps": nps,
                "csat": max(1, min(5, round(nps / 2))),
                "ces": max(1, min(7, 8 - round(nps / 1.6))),
                "language": "pl",
                "segment": segment,
                "touchpoint": touchpoints[(i // 3) % len(touchpoints)],
                "department": "customer_service",
                "channel": "call_center",
            }
        )
    return rows


@pytest.fixture
def live_url(tmp_path: Path, serve_app: Callable[..., str]) -> str:
    """The real app on a free loopback port, with users and responses."""
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path / "data",
        _env_file=None,
        min_responses=30,
        mirror_refresh_interval_seconds=3600,
    )
    rt = open_runtime(settings)
    auth.ensure_user(rt, "analityk", PASSWORD, "analyst")
    insert_responses(rt, _responses())
    rt.close()
    return serve_app(settings)


def _read_overview(page: Any) -> tuple[str, str, list[float | None]]:
    page.wait_for_selector("#trend[data-rendered='1']", timeout=15_000)
    nps = page.inner_text("#tile-nps .value").strip()
    n = page.inner_text("#n-total").strip()
    trace = page.evaluate(
        "() => document.getElementById('trend').data.find(t => t.name === 'NPS').y"
    )
    return nps, n, trace


def test_overview_filter_changes_numbers_and_chart(
    live_url: str, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(locale="pl-PL")
    page.goto(live_url + "/")
    assert "/login" in page.url
    page.fill("#username", "analityk")
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(live_url + "/")
    assert page.inner_text("h1") == "Przegląd"

    nps_all, n_all, trend_all = _read_overview(page)
    assert n_all == "1800" or n_all.replace("\u00a0", " ") == "1 800"
    assert len(trend_all) == 12 and all(v is not None for v in trend_all)

    page.click("#f-segment summary")
    page.check("#f-segment input[value=senior]")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/?*segment=senior*")
    nps_senior, n_senior, trend_senior = _read_overview(page)
    page.screenshot(path=str(tmp_path / "overview-senior.png"), full_page=True)

    assert n_senior == "600"
    assert nps_senior != nps_all
    assert nps_senior.startswith("−")  # seniors are mostly detractors
    assert trend_senior != trend_all
    assert sum(v for v in trend_senior if v is not None) < sum(
        v for v in trend_all if v is not None
    )
    assert page.is_checked("#f-segment input[value=senior]")
    assert page.inner_text("#f-segment summary") == "Seniorzy"
    assert page.url == f"{live_url}/?segment=senior"
    assert page.locator("#best tbody tr").count() == 3  # six touch-points: 3 best
    assert page.locator("#worst tbody tr").count() == 3  # and 3 worst

    # a second value of the same filter: either segment
    page.click("#f-segment summary")
    page.check("#f-segment input[value=family]")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/?*family*")
    _, n_two, _ = _read_overview(page)
    assert n_two.replace("\u00a0", " ") == "1 200" and page.url.endswith(
        "segment=family&segment=senior"
    )
