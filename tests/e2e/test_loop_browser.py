"""A manager's path through the closed loop in a real browser: the department's inbox, a
bulk action on a selected case, the case page, and the standards chart drawn by Plotly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CHROMIUM, log_in

from cxm.config import Settings
from cxm.services import auth
from cxm.services.loop import rules, setup, standards
from cxm.services.runtime import open_runtime
from cxm.web import i18n
from factories import seed_departments

PASSWORD = "browser-pass-1"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]


@pytest.fixture
def loop_url(tmp_path: Path, serve_app: Callable[..., str]) -> str:
    settings = Settings(  # type: ignore[call-arg]
        env="test", data_dir=tmp_path / "data", _env_file=None, min_responses=30,
        mirror_refresh_interval_seconds=0,
    )  # fmt: skip
    rt = open_runtime(settings)
    auth.ensure_user(rt, "szef", PASSWORD, "manager", "billing")
    seed_departments(rt)  # 40 billing detractors, 60 customer-service promoters in 2025
    standards.add_standard(rt, "nps_billing", "min_nps", 0.0, name_pl="NPS działu",
                           name_en="Department NPS", window_days=365, min_n=3)  # fmt: skip
    setup.install_defaults(rt, now=datetime(2025, 12, 31))
    rules.evaluate_feedback(rt, now=datetime(2025, 12, 31))
    standards.evaluate_standards(rt, now=datetime(2025, 12, 31, 23))
    rt.close()
    return serve_app(settings)


def test_manager_acknowledges_case_in_bulk_and_sees_standards_chart(
    loop_url: str, browser: Any
) -> None:
    page = browser.new_page(locale="pl-PL")
    log_in(page, loop_url, "szef", PASSWORD)
    page.goto(loop_url + "/cases?view=manager")
    rows = page.locator("#cases-table tbody tr[data-id]")
    assert rows.count() == 41  # 40 detractors' cases and the NPS-standard breach
    first = rows.first.get_attribute("data-id")
    page.check(f"#cases-table input[value='{first}']")
    page.fill("input[name=value]", "acknowledged")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector("#bulk-message")
    assert "1" in page.inner_text("#bulk-message")
    page.goto(f"{loop_url}/cases/{first}")
    assert page.inner_text("#case-status") == i18n.gettext("pl", "acknowledged")
    page.goto(loop_url + "/standards")
    page.wait_for_selector("#standards-chart[data-rendered='1']", timeout=15_000)
    names = page.evaluate("() => document.getElementById('standards-chart').data.map(t => t.name)")
    assert "Cel" in names and len(names) == 2  # billing only, and the target
    assert page.inner_text("#met-share").strip() == "0%"
