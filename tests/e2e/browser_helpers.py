"""What the browser tests share outside fixtures: where Debian's Chromium is and how it is
started (headless, offline), and logging in through the login form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def log_in(page: Any, url: str, username: str, password: str) -> None:
    """Log in through the login form and wait for the overview."""
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/")
