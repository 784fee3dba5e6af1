"""The /dashboard page in headless Chromium (Debian ``chromium`` + ``chromium-driver``).

The demo workload fills every domain; the test loads the page on a laptop-sized and a
phone-sized window, and saves both screenshots under ``build/``.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import otel_measure
from otel_measure.demo.analytics import FUNNEL, AnalyticsDriver
from otel_measure.demo.models import ModelsDriver
from otel_measure.demo.run import InfrastructureDriver
from tests.http.conftest import TOKEN, Client

BUILD = Path(__file__).resolve().parents[2] / "build"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
B = "/api/v1/metrics"


@pytest.fixture
def demo() -> Iterator[tuple[otel_measure.Measure, Client]]:
    """``setup()`` after the demo workload ran for 40 steps; the workload then stops."""
    m = otel_measure.setup(service_name="otel-measure-demo", prometheus_port=0,
                           api_token=TOKEN,
                           infrastructure=otel_measure.InfrastructureOptions(
                               sample_interval_s=3600.0))
    rng = random.Random(7)
    drivers = [InfrastructureDriver(rng), ModelsDriver(rng), AnalyticsDriver(rng)]
    for step in range(40):
        for driver in drivers:
            driver.step(m, step * 0.25)
        m.infrastructure.sample()
    assert m.prometheus_url is not None
    client = Client(m.prometheus_url.removesuffix("/metrics"))
    # Two inputs the Python API rejects, sent by a non-Python client.
    assert client.post(f"{B}/analytics/nps", {"user_id": "u", "score": 11}).status == 422
    assert client.post(f"{B}/models/gpt-4o-mini/inferences", {"latency_s": -1}).status == 422
    yield m, client
    m.shutdown()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium driven through chromedriver, with the console log kept."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


_SNAPSHOT = """
const all = (sel) => Array.from(document.querySelectorAll(sel));
return {
  charts: all(".chart").map((c) => ({id: c.id, marks: c.querySelectorAll(".mark").length,
                                     declared: c.dataset.marks, text: c.textContent})),
  figures: all("[data-path]").map((f) => ({path: f.dataset.path, value: f.dataset.value,
                                          text: f.textContent})),
  funnel: all("#chart-funnel text.value").map((t) => t.textContent),
  rejected: all("#chart-rejected text.label").map((t) => t.textContent),
};
"""


def _at(document: Any, path: list[str]) -> Any:
    for key in path:
        document = document[key]
    return document


def _shown(text: str, value: float) -> None:
    """The text shows ``value`` in its unit, to the decimals it prints."""
    scale = 100.0 if text.endswith("%") else 1000.0 if text.endswith(" ms") else 1.0
    number = re.sub(r"[^0-9.\-]", "", text.split(" ")[0])
    decimals = len(number.split(".")[1]) if "." in number else 0
    assert abs(float(number) - value * scale) <= 0.5 * 10 ** -decimals + 1e-9, (text, value)


def _full_page(driver: Any, width: int, path: Path) -> None:
    driver.set_window_size(width, 900)
    driver.execute_script("window.dispatchEvent(new Event('resize'))")
    loaded = int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded"))
    WebDriverWait(driver, 20).until(lambda d: int(d.find_element(
        By.TAG_NAME, "body").get_attribute("data-loaded")) > loaded)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, int(height) + 20)
    assert driver.execute_script(
        "return document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    driver.save_screenshot(str(path))


def test_dashboard_in_chromium(demo: tuple[otel_measure.Measure, Client], browser: Any
                               ) -> None:
    """No console error; every chart drew data; figures equal the JSON API; auto-refresh."""
    _, client = demo
    url = f"{client.base}/dashboard?refresh=1&funnel={','.join(FUNNEL)}"
    browser.get(url)
    body = browser.find_element(By.TAG_NAME, "body")
    WebDriverWait(browser, 30).until(lambda d: int(body.get_attribute("data-loaded") or 0) >= 2)

    # One snapshot of the DOM, taken in the page between two refreshes.
    page = browser.execute_script(_SNAPSHOT)
    assert len(page["charts"]) == 15
    for chart in page["charts"]:
        assert chart["marks"] > 0, f"{chart['id']} drew nothing: {chart['text']}"
        assert chart["declared"] == str(chart["marks"])

    document = client.get(f"{B}/dashboard").json
    assert len(page["figures"]) >= 6 + 4 * 4
    for figure in page["figures"]:
        expected = _at(document, json.loads(figure["path"]))
        assert float(figure["value"]) == pytest.approx(expected, rel=1e-12)
        _shown(figure["text"], expected)
    funnel = client.get(f"{B}/analytics/funnel?steps={','.join(FUNNEL)}").json
    assert page["funnel"] == [f"{s['users']:,}" for s in funnel["steps"]]
    assert set(page["rejected"]) == set(document["rejected"]) and page["rejected"]

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert not browser.find_element(By.ID, "error").is_displayed()

    BUILD.mkdir(exist_ok=True)
    _full_page(browser, 1280, BUILD / "dashboard.png")
    _full_page(browser, 390, BUILD / "dashboard-phone.png")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
