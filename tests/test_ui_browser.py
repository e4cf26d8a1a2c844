"""The Thai UI in a real headless Chromium, used as a person would: type a question,
press ถาม, read the answer and its citation, open the letter, see an error.

Needs Debian's chromium and chromium-driver (`apt-get install -y chromium
chromium-driver`); skipped with that message when they are absent, unless
$CIRCULARS_REQUIRE_BROWSER is 1 (as `.ci/run` sets it): then a missing browser fails
the test, so CI cannot pass without having run it. The screenshot is saved under
the test's tmp folder, and also to $CIRCULARS_UI_SCREENSHOT when set (its folder is
created).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--window-size=1280,1700", "--lang=th-TH"]
WAIT = 60
# Fresh browsers, each of whose first press must be answered (test_first_press_...).
FRESH_PAGES = 6


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_required() -> bool:
    return os.environ.get("CIRCULARS_REQUIRE_BROWSER", "").strip() == "1"


def missing_browser(reason: str) -> None:
    """Skip, or fail where the run must include the browser test (CI)."""
    if browser_required():
        pytest.fail(f"{reason} (CIRCULARS_REQUIRE_BROWSER=1: the browser test must run)",
                    pytrace=False)
    pytest.skip(reason)


def _browser_problem() -> str | None:
    if _chromium() is None or not Path(CHROMEDRIVER).is_file():
        return ("Chromium or chromedriver is not installed: "
                "apt-get install -y chromium chromium-driver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[dev]'"
    return None


def _keep_screenshot(screenshot: Path, suffix: str = "") -> None:
    target = os.environ.get("CIRCULARS_UI_SCREENSHOT")
    if target:
        path = Path(target)
        path = path.with_name(f"{path.stem}{suffix}{path.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, path)


def _start_browser(profile: Path) -> Any:
    """A fresh headless Chromium with its own profile folder."""
    problem = _browser_problem()
    if problem is not None:
        missing_browser(problem)
    chromium = _chromium()
    assert chromium is not None
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # The page's console goes into a failure message (_press).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = _start_browser(tmp_path / "profile")
    try:
        yield driver
    finally:
        driver.quit()


def _page_settled(driver: Any) -> bool:
    """The Thai fonts are in and Gradio's start-up event (issuer list) has answered."""
    return bool(driver.execute_script(
        "return document.readyState === 'complete' && document.fonts.status === 'loaded'"
        " && document.querySelectorAll('.pending, .eta-bar').length === 0;"))


def _open_ui(driver: Any, server: str) -> None:
    """Load the UI and wait until it is ready to be used."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{server}/ui/")
    wait = WebDriverWait(driver, WAIT)
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
    wait.until(_page_settled)


def _press(driver: Any, selector: str, done: Any, what: str, timeout: float = WAIT) -> None:
    """Click `selector` once and wait up to `timeout` s for `done`; a failure message
    carries the status box and the page's console.

    Once, presses through Gradio's queue stayed pending for good about half the time
    right after a page load; an earlier version of this test pressed again after 10 s
    and so passed most runs all the same. One press now has to do.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.CSS_SELECTOR, selector).click()
    try:
        WebDriverWait(driver, timeout).until(done)
    except TimeoutException:
        status = driver.find_element(By.CSS_SELECTOR, "#status").get_attribute("innerHTML")
        console = [entry.get("message") for entry in driver.get_log("browser")]
        raise AssertionError(f"{what}: nothing {timeout:g} s after pressing {selector}; "
                             f"#status={status!r}; console={console}") from None


def _ask(driver: Any, question: str, done: Any) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, "#question textarea")
    box.clear()
    box.send_keys(question)
    _press(driver, "#ask-button", done, f"asking {question[:40]!r}")


def _text_of(driver: Any, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, selector).text)


def test_ask_in_the_browser(server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    _open_ui(browser, server)
    assert "ถามตอบหนังสือเวียน" in browser.page_source
    assert "ตัวอย่างคำถาม" in browser.page_source

    _ask(browser, "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร",
         lambda d: "ข้อ 3.6" in _text_of(d, "#citations"))
    citations = _text_of(browser, "#citations")
    assert "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6" in citations
    answer = _text_of(browser, "#answer")
    assert "[1]" in answer and "เตรียมความพร้อมรับมือสถานการณ์ในช่วงฤดูฝน" in answer
    marks = browser.find_elements(By.CSS_SELECTOR, "#passages mark")
    assert marks, "matching words are highlighted in the passages"
    assert browser.find_elements(By.CSS_SELECTOR, "#answer script") == []

    screenshot = tmp_path / "ui-screenshot.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000
    _keep_screenshot(screenshot)

    # The whole letter, with the cited item marked, is one tab away.
    browser.find_element(By.XPATH, "//button[@role='tab'][contains(., 'หนังสือฉบับเต็ม')]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#letter mark.cited"))
    mark = browser.find_element(By.CSS_SELECTOR, "#letter mark.cited")
    assert "เตรียมความพร้อมรับมือสถานการณ์" in mark.text
    # The letter box scrolls to the cited item, so it is in view without searching.
    wait.until(lambda d: d.execute_script(
        "const m = document.getElementById('cited-item'), b = m.closest('.letter-text');"
        "return b.scrollTop > 0 && m.offsetTop >= b.scrollTop &&"
        " m.offsetTop < b.scrollTop + b.clientHeight;"))
    letter_shot = tmp_path / "ui-letter.png"
    assert browser.save_screenshot(str(letter_shot))
    _keep_screenshot(letter_shot, "-letter")


def test_errors_and_not_found_are_visible(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _open_ui(browser, server)
    _press(browser, "#ask-button", lambda d: "กรุณาพิมพ์คำถาม" in _text_of(d, "#status"),
           "an empty question")
    _ask(browser, "quantum chromodynamics lattice <b>bold</b>",
         lambda d: "ไม่พบข้อมูลในหนังสือเวียนที่มีอยู่" in _text_of(d, "#status"))
    assert browser.find_elements(By.CSS_SELECTOR, "#passages b") == []
    # A question over the limit is refused with its length, not cut short by the box.
    _ask(browser, "ยาเสพติด" * 300,
         lambda d: "ยาวเกิน 2,000 ตัวอักษร (2,400)" in _text_of(d, "#status"))
    box = browser.find_element(By.CSS_SELECTOR, "#question textarea")
    assert len(box.get_attribute("value")) == 2_400


def test_first_press_after_a_page_load_is_answered(server: str, tmp_path: Path) -> None:
    """Through Gradio's queue, about half of the first presses on a freshly started
    browser's page never came back (6 of 12). With the queue put back, this test failed
    5 of 6 runs."""
    for page in range(FRESH_PAGES):
        driver = _start_browser(tmp_path / f"profile-{page}")
        try:
            _open_ui(driver, server)
            _press(driver, "#ask-button", lambda d: "กรุณาพิมพ์คำถาม" in _text_of(d, "#status"),
                   f"browser {page + 1}, its first press", timeout=15)
        finally:
            driver.quit()


def test_missing_browser_fails_where_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs without Chromium: the decision a missing browser leads to."""
    monkeypatch.setenv("CIRCULARS_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="must run"):
        missing_browser("Chromium or chromedriver is not installed")
    monkeypatch.setenv("CIRCULARS_REQUIRE_BROWSER", "0")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        missing_browser("Chromium or chromedriver is not installed")
    monkeypatch.delenv("CIRCULARS_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception):
        missing_browser("Chromium or chromedriver is not installed")


def test_ci_requires_the_browser_and_keeps_the_screenshot() -> None:
    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text("utf-8")
    assert "export CIRCULARS_REQUIRE_BROWSER" in script
    assert "export CIRCULARS_UI_SCREENSHOT" in script
