"""How long the HTML report takes to become usable in Chromium (Debian's, driven by Playwright).

    .venv/bin/python bench/bench_html_open.py out/report.html

"Usable" is: the page has loaded, the first rows of the subscriptions table are built and a
filter typed into it has been applied. Prints seconds; None when Chromium or Playwright is
missing (the figure is then absent from the benchmark table, not guessed).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_seconds(path: Path) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not CHROMIUM.exists():
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            t0 = time.perf_counter()
            page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=120_000)
            page.wait_for_selector("#sub-table tbody tr", timeout=120_000)
            page.fill("#sub-filter", "sub-0000")
            page.wait_for_function("document.querySelector('#sub-count').textContent.length > 0")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
            return round(time.perf_counter() - t0, 2)
        finally:
            browser.close()


if __name__ == "__main__":
    print(open_seconds(Path(sys.argv[1])))
