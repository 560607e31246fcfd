"""Shared by the browser tests: the system Chromium driven by Playwright, and where to put
screenshots.

Playwright comes from PyPI (`pip install ".[browser]"`), Chromium from the system's packages
(`apt-get install chromium`); Playwright's own browser download is never used. Without either,
the browser tests skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# The test machines have no network: these switches stop Chromium from trying to reach
# Google's services in the background (and --no-sandbox lets it run as root in CI).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Where the player highlights the node taking its step (viz.graph: the active node's border).
ACTIVE_COLOR = "#d6336c"

# Every figure of a player on the page that is shown: its frame number, and the id and the
# text of each node drawn with the active border in it.
SHOWN_FRAMES_JS = """
(root) => Array.from(root.querySelectorAll(".ba-frame"))
  .filter((figure) => figure.getBoundingClientRect().height > 0)
  .map((figure) => ({
    frame: Number(figure.getAttribute("data-frame")),
    caption: figure.querySelector("figcaption").textContent,
    active: Array.from(figure.querySelectorAll("g.node"))
      .filter((node) => Array.from(node.querySelectorAll("polygon"))
        .some((shape) => shape.getAttribute("stroke") === "ACTIVE_COLOR"))
      .map((node) => [node.querySelector("title").textContent, node.textContent]),
  }))
""".replace("ACTIVE_COLOR", ACTIVE_COLOR)


def find_chromium() -> str:
    """The system Chromium's path, or skip the test."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (apt-get install chromium)")


def chromium_browser() -> Iterator:
    """A Chromium browser for a fixture to yield: skips without Playwright or Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs `pip install playwright`")
    executable = find_chromium()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def artifacts_folder(tmp_path: Path, name: str) -> Path:
    """A folder for screenshots: $BROWSER_ARTIFACTS/<name> if set (CI keeps it), else tmp."""
    base = os.environ.get("BROWSER_ARTIFACTS")
    folder = Path(base) / name if base else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder
