"""The journeys page in a real browser on the small demo: the paths are drawn as a Sankey
diagram, and choosing stages and fewer steps in the filter bar redraws it, in the URL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CHROMIUM, log_in

from cxm.config import Settings
from cxm.services import auth
from cxm.services.demo import generate_demo
from cxm.services.runtime import open_runtime

PASSWORD = "browser-pass-1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def live_url(tmp_path: Path, serve_app: Callable[..., str]) -> tuple[str, set[str]]:
    """The app on the small demo, and the Polish names of the demo's stages."""
    settings = Settings(  # type: ignore[call-arg]
        env="test", data_dir=tmp_path / "data", _env_file=None, min_responses=30
    )
    rt = open_runtime(settings)
    generate_demo(rt, "small", seed=7)
    auth.ensure_user(rt, "analityk", PASSWORD, "analyst")
    stages = {rt.taxonomy.label("stage", k, "pl") for k in rt.taxonomy.keys("stage")}
    rt.close()
    return serve_app(settings), stages


def _sankey_nodes(page: Any) -> list[str]:
    page.wait_for_selector("#paths-chart[data-rendered='1']", timeout=20_000)
    labels: list[str] = page.evaluate(
        "() => document.getElementById('paths-chart').data[0].node.label"
    )
    assert page.locator("#paths-chart .sankey-node").count() == len(labels)
    return labels


def test_paths_sankey_follows_the_path_settings(
    live_url: tuple[str, set[str]], browser: Any, tmp_path: Path
) -> None:
    url, stages = live_url
    page = browser.new_page(locale="pl-PL")
    log_in(page, url, "analityk", PASSWORD)
    page.goto(url + "/journeys")
    touchpoints = _sankey_nodes(page)
    assert touchpoints and not set(touchpoints) <= stages
    rows = page.locator("#paths-table tbody tr").count()
    assert rows >= 10

    page.select_option("#p-level", "stage")
    page.fill("#p-steps", "3")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/journeys?*level=stage*")
    by_stage = _sankey_nodes(page)
    page.screenshot(path=str(tmp_path / "journeys-stages.png"), full_page=True)
    assert by_stage and set(by_stage) <= stages
    assert "steps=3" in page.url and "since" not in page.url  # empty fields stay out
    assert page.eval_on_selector("#p-level", "el => el.value") == "stage"
    for cells in page.locator("#paths-table tbody tr td:first-child").all_inner_texts():
        assert 1 <= len(cells.split(" → ")) <= 3
