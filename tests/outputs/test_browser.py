"""The report in a real browser (Debian's headless Chromium via Selenium): nothing hostile executes, no
console errors, the map's parts are there, and drill-down and filters work. `make test` installs Chromium."""
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from feedback2journey.run.pipeline import analyze

from conftest import FIXTURES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "test-screenshots"


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), \
        "Chromium is missing: run `make browser` (apt-get install chromium chromium-driver)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1800"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def reports(models, tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    hostile = analyze([FIXTURES / "hostile.csv"], models.config, models=models, segment_by="segment")
    hostile.write(base / "hostile")
    mixed = analyze([FIXTURES / n for n in ("helpdesk_tickets.csv", "app_reviews.json", "survey_nps.csv")],
                    models.config, models=models)
    mixed.write(base / "mixed")
    return {"hostile": base / "hostile" / "report.html", "mixed": base / "mixed" / "report.html"}


def open_report(browser, path):
    browser.get(path.as_uri())
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("data-explorer") == "ready"


def severe_logs(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def alert_text(browser):
    try:
        return browser.switch_to.alert.text
    except NoAlertPresentException:
        return None


@pytest.mark.slow
def test_hostile_feedback_does_not_execute(browser, reports):
    open_report(browser, reports["hostile"])
    assert alert_text(browser) is None
    assert browser.title.startswith("Customer journey map")
    assert browser.execute_script("return window.__pwned === undefined")
    # open every drill-down (quotes are inserted, still nothing runs); entity-encoded payloads survive cleaning as real "<...>" text: they must be shown, as text
    shown = []
    for cell in browser.find_elements(By.CSS_SELECTOR, "td[data-cell]:not(.empty)"):
        cell.click()
        shown += [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#drill-quotes blockquote")]
    assert any("<img src=x onerror=window.__pwned=8>" in q for q in shown), shown
    assert browser.find_elements(By.CSS_SELECTOR, "main img, main svg:not(.curve), main a, main iframe") == []
    assert alert_text(browser) is None and browser.execute_script("return window.__pwned === undefined")
    # a hostile value in the segment column is an <option>'s text, not markup
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#f-segment option")]
    assert '"><svg onload=alert(2)>' in options
    assert severe_logs(browser) == []


@pytest.mark.slow
def test_map_parts_drill_down_and_filters(browser, reports):
    open_report(browser, reports["mixed"])
    assert severe_logs(browser) == []
    assert browser.find_elements(By.CSS_SELECTOR, "th[data-stage]"), "stage columns"
    assert browser.find_elements(By.CSS_SELECTOR, "th.lane"), "touchpoint lanes"
    assert browser.find_elements(By.CSS_SELECTOR, "svg.curve circle"), "emotion curve"
    assert "Opportunities" in browser.find_element(By.ID, "pp-h").text
    # keyboard drill-down on a stage header
    stage = browser.find_elements(By.CSS_SELECTOR, "th[data-stage]")[0]
    stage.send_keys(Keys.ENTER)
    drill = browser.find_element(By.ID, "drill")
    assert drill.is_displayed() and browser.find_element(By.ID, "drill-title").text == stage.get_attribute("data-label")
    # filtering to one source changes the counts in the map
    before = browser.find_element(By.ID, "f-count").text
    curve_before = browser.find_element(By.ID, "curve-line").get_attribute("points")
    Select(browser.find_element(By.ID, "f-source")).select_by_index(1)
    after = browser.find_element(By.ID, "f-count").text
    assert before != after and int(after.split()[0]) < int(before.split()[0])
    assert browser.find_element(By.ID, "curve-line").get_attribute("points") != curve_before  # the curve follows
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "report.png"))
    assert (SCREENSHOTS / "report.png").stat().st_size > 10_000
    assert severe_logs(browser) == []
