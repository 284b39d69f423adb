"""The event-day page in a real browser: Playwright driving Debian's Chromium (issue 19).

Skipped cleanly when Playwright or a Chromium is missing (Playwright's own browser download is
not used). Set SCHEDULER_SCREENSHOTS=docs/screenshots to keep the screenshots the README shows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from serve_fixtures import Client, surge_actuals

from scheduler.checker import check_folder

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).is_file()), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[dev]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture()
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _keep(shot: Path) -> None:
    dest = os.environ.get("SCHEDULER_SCREENSHOTS")
    if dest:
        Path(dest).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(dest) / shot.name)


def test_event_day_in_the_browser(browser, double11_plan_folder, tmp_path):
    plan = tmp_path / "event" / "plan"
    shutil.copytree(double11_plan_folder, plan)
    actuals = surge_actuals(plan, tmp_path / "actuals.csv")
    c = Client(plan, time_limit=2.0)
    requests: list[str] = []
    try:
        sync_api.expect.set_options(timeout=60_000)  # a loaded 2-core CI machine is slow, not wrong
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.set_default_timeout(60_000)
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        base = f"http://127.0.0.1:{c.port}"
        page.goto(base + "/")
        sync_api.expect(page.locator("#version-label")).to_have_text("v1")
        # the now and rota views arrive after the label and push the page down: click only once they are
        # drawn, or a loaded machine clicks where the button was (CI saw the click land on nothing)
        sync_api.expect(page.locator(".card.queue").first).to_be_visible()
        sync_api.expect(page.locator("#gantt rect").first).to_be_attached()
        page.wait_for_load_state("networkidle")
        # actuals in, with a pre-sale surge: the imbalance is flagged
        page.set_input_files("#upload-file", str(actuals))
        with page.expect_response(lambda r: "/api/actuals" in r.url) as answer:
            page.click("#upload-btn")
        assert answer.value.ok, answer.value.text()
        sync_api.expect(page.locator("#upload-msg")).to_have_class("msg good")
        sync_api.expect(page.locator('.card.queue.flagged[data-queue="presale"]')).to_be_visible()
        sync_api.expect(page.locator('#alerts .alert[data-kind="queue"]')).to_contain_text("presale")
        sync_api.expect(page.locator('#alerts .alert[data-kind="split"]')).to_be_visible()
        assert page.locator('.card.queue[data-queue="aftersale"]').get_attribute("class") == "card queue"
        assert page.locator("#gantt rect").count() > 100 and page.locator("#grid tbody tr").count() > 10
        assert page.locator("#handovers tbody tr").count() > 0
        page.screenshot(path=str(tmp_path / "serve_now.png"))
        _keep(tmp_path / "serve_now.png")
        # the language switch relabels the page without a reload
        page.click("#lang-btn")
        sync_api.expect(page.locator("header h1")).to_have_text("Event day")
        # replan with an absent agent picked from the team list
        page.fill("#absent-filter", "F003")
        page.check('#absent-list input[value="F003"]')
        page.fill("#time-limit", "20" if os.environ.get("SCHEDULER_SCREENSHOTS") else "3")  # short in the suite
        page.fill("#notice", "1")
        page.click("#replan-btn")
        sync_api.expect(page.locator("#replan-result")).to_be_visible(timeout=240_000)
        sync_api.expect(page.locator("#progress")).to_contain_text("best")
        sync_api.expect(page.locator("#changes tbody")).to_contain_text("F003")
        sync_api.expect(page.locator("#check")).to_have_class("msg good")
        page.locator("#replan").screenshot(path=str(tmp_path / "serve_replan.png"))
        _keep(tmp_path / "serve_replan.png")
        page.click("#publish-btn")
        sync_api.expect(page.locator("#version-label")).to_have_text("v2", timeout=30_000)
        sync_api.expect(page.locator("#version-list li")).to_have_count(2)
        assert (plan.parent / "plan-v2").is_dir() and check_folder(plan.parent / "plan-v2").ok
        # one agent's page at phone width
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        phone.on("request", lambda r: requests.append(r.url))
        phone.goto(base + "/agent/F001")
        sync_api.expect(phone.locator("h1")).to_contain_text("F001")
        assert phone.locator("section.shift").count() >= 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(tmp_path / "serve_agent_phone.png"))
        _keep(tmp_path / "serve_agent_phone.png")
        assert not errors, errors
        assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    finally:
        c.close()
