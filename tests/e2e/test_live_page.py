"""The live page in a real browser: Debian's headless Chromium, driven through chromedriver, watches a demo.

`make test` installs Chromium where it is missing (`make browser`, as root); elsewhere this test says why it
skips. FANOUT_SCREENSHOT=<path> saves the screenshot there too (the README's picture), not only under tmp.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fanout.demo import DemoSettings, run_demo
from fanout.live import LiveFeed, LivePage, LivePagePortInUseError

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and chromedriver are not installed: `make browser` (as root) installs them from Debian",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1250"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _cells(driver: Any, tbody: str, key: str) -> dict[str, dict[str, str]]:
    """{row key: {field: value}} of a table the page rendered (from its data- attributes)."""
    rows = driver.execute_script(
        """
        const fields = (tr) => [...tr.querySelectorAll('[data-field]')].map((c) => [c.dataset.field, c.dataset.value]);
        return [...document.querySelectorAll(`#${arguments[0]} tr`)].map(
          (tr) => [tr.dataset[arguments[1]], Object.fromEntries(fields(tr))]);
        """,
        tbody,
        key,
    )
    return {row_key: fields for row_key, fields in rows}


@needs_browser
def test_the_live_page_shows_a_demo_end_to_end_with_the_numbers_of_its_summary(browser: Any, tmp_path: Path) -> None:
    # Given the live page served on loopback, open in Chromium before the demo starts
    feed = LiveFeed(interval=0.5)
    summary: dict[str, Any] = {}
    with LivePage(feed) as page:
        url = page.url
        browser.get(url)
        demo = threading.Thread(
            target=lambda: summary.update(
                run_demo(
                    DemoSettings(records=900, stopped_records=300, rate=900, window_seconds=3, second_window_seconds=2),
                    feed=feed,
                )
            )
        )
        # When the demo runs
        demo.start()
        # Then the page follows it live: the application runs, and records flow into the routes
        _wait(lambda: browser.find_element("id", "app-status").text == "RUNNING", 60, "the application RUNNING")
        _wait(
            lambda: int(_cells(browser, "stream-rows", "route").get("positive", {}).get("in_total") or 0) > 0,
            60,
            "records on the positive stream",
        )
        demo.join(180)
        assert summary["ok"], summary["checks"]
        _wait(lambda: browser.find_element("id", "phase").get_attribute("data-value") == "finished", 30, "the end")
        time.sleep(0.5)  # the last event rendered
        browser.save_screenshot(str(tmp_path / "live-page.png"))
        if target := os.environ.get("FANOUT_SCREENSHOT"):
            browser.save_screenshot(target)
        consumers = _cells(browser, "consumer-rows", "route")
        streams = _cells(browser, "stream-rows", "route")
        executions = _cells(browser, "execution-rows", "execution")
        transitions = int(browser.find_element("id", "transitions").get_attribute("data-count"))
        windows = int(browser.find_element("id", "timeline").get_attribute("data-windows"))
        resources = browser.execute_script("return performance.getEntriesByType('resource').map((r) => r.name)")
        rejected_rows = browser.find_elements("css selector", "#rejected-rows tr")
        state = json.load(urllib.request.urlopen(f"{url}api/state"))
    # And at the end it shows the numbers `fanout demo --json` reports: each consumer's records and batches,
    assert summary["records"]["lost"] == summary["records"]["duplicated"] == 0
    for route, stats in summary["consumers"].items():
        assert consumers[route]["records"] == str(stats["records_delivered"]), route
        assert consumers[route]["batches"] == str(stats["batches"]), route
        assert consumers[route]["dead_letters"] == str(stats["records_to_dlq"]) == "0"
        # each output stream's records in (CloudWatch's IncomingRecords) = what its consumer got
        assert streams[route]["in_total"] == str(summary["records"]["delivered"][route]), route
    # the input's records in = what the producer put, every transition, both windows and both executions
    put = summary["producer"]["running"]["records"] + summary["producer"]["stopped"]["records"]
    assert streams["input"]["in_total"] == streams["input"]["out_total"] == str(put)
    assert transitions == len(summary["transitions"]) and windows == 2
    assert {name: row["status"] for name, row in executions.items()} == {
        e["name"]: e["status"] for e in summary["executions"]
    }
    assert rejected_rows and len(state["rejected"]) == len(rejected_rows)
    assert all(r["reason"] for r in state["rejected"])
    # And everything the page loaded came from the page itself (no CDN)
    assert resources and all(loaded.startswith(url) for loaded in resources), resources
    assert (tmp_path / "live-page.png").read_bytes()[:4] == b"\x89PNG"


def test_the_live_page_refuses_a_port_in_use_with_a_named_error() -> None:
    # Given a live page on a port
    with LivePage(LiveFeed()) as first:
        port = int(first.url.rsplit(":", 1)[1].strip("/"))
        # When a second one asks for the same port, Then a named error says what to do
        with pytest.raises(LivePagePortInUseError, match=f"port {port} .* --page-port"):
            LivePage(LiveFeed(), port=port).start()


def test_the_live_page_serves_only_its_own_files() -> None:
    # Given a live page with no runtime attached yet
    with LivePage(LiveFeed()) as page:
        # When anything but its files and API is asked for, Then 404; its state says it is starting
        for path in ("static/../feed.py", "static/nope.js", "etc/passwd"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(page.url + path)
            assert err.value.code == 404, path
        assert json.load(urllib.request.urlopen(f"{page.url}api/state"))["phase"] == "starting"
        assert b"uPlot" in urllib.request.urlopen(f"{page.url}static/vendor/uPlot.iife.min.js").read(200)
