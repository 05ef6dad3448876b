"""The playground in a real browser (Debian's Chromium driven by Playwright): paste a key, write a
prompt, watch the progress, see the video play, find it under Recent with a thumbnail. The key
travels only in headers: no URL the browser requests, and no line the server logs, contains it.

The screenshot is written under tmp_path; OPENREEL_UPDATE_DOCS=1 also copies it to docs/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support import REPO, STATIC_PROMPT, LiveServer, import_or_require, require_or_skip

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Like conftest's server, with uvicorn's access log on, written as it happens."""
    live = LiveServer(tmp_path_factory.mktemp("playground"), public_url="https://openreel.test")
    live.env["PYTHONUNBUFFERED"] = "1"
    live.start(log_level="info")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        require_or_skip("Debian's chromium is not installed (apt-get install -y chromium)")
    playwright_api = import_or_require("playwright.sync_api", "playwright is not installed (pip install playwright)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield launched
        launched.close()


def test_prompt_to_playing_video_with_progress_and_recent_list(browser, server: LiveServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = server.create_key(project="playground")
    page = browser.new_page(viewport={"width": 1100, "height": 1150})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server.url + "/")
    assert page.title() == "openreel playground"
    page.fill("#api-key", key)
    page.dispatch_event("#api-key", "change")
    page.wait_for_function("document.querySelectorAll('#model option').length > 5")
    page.select_option("#model", "veo-3.1-generate-preview")
    page.fill("#prompt", "A futuristic city at night with flying cars, " + STATIC_PROMPT.split(",")[1])
    page.select_option("#duration", "4")
    page.select_option("#resolution", "720p")
    page.check("#audio")
    seen_states: set[str] = set()
    page.click("#submit")
    page.wait_for_selector("#job:not([hidden])")
    for _ in range(600):
        seen_states.add(page.inner_text("#status").split(" ")[0])
        if page.is_visible("#result"):
            break
        page.wait_for_timeout(100)
    # The video plays in the page.
    page.wait_for_function("document.querySelector('#result').currentTime > 0.3", timeout=60_000)
    assert page.get_attribute("#download", "href").startswith("blob:")  # fetched with the key header
    assert int(page.eval_on_selector("#progress", "p => p.value")) == 100
    assert seen_states & {"Queued", "Rendering…", "Done:", "Done"}
    assert page.is_hidden("#error")
    # And it is listed under Recent with a real thumbnail.
    page.wait_for_function("[...document.querySelectorAll('#recent img')].some(i => i.complete && i.naturalWidth > 0)")
    assert "veo-3.1-generate-preview" in page.inner_text("#recent")
    # Clicking a Recent item plays that video, fetched into a fresh blob: URL.
    first = page.get_attribute("#result", "src")
    page.click("#recent button")
    page.wait_for_function("first => document.querySelector('#result').src !== first", arg=first)
    assert page.get_attribute("#result", "src").startswith("blob:")
    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    if os.environ.get("OPENREEL_UPDATE_DOCS") == "1":
        shutil.copyfile(tmp_path / "playground.png", REPO / "docs" / "playground.png")
    page.close()
    # The stream, the video and the thumbnails were all fetched, none with the key in its URL ...
    assert any(":stream" in url or "%3Astream" in url for url in requested), requested
    assert any(":thumbnail" in url for url in requested), requested
    leaked = [url for url in requested if key in url or quote(key, safe="") in url]
    assert leaked == []
    # ... so no access-log line has it either.
    assert key not in server.log_path.read_text()


def test_bad_key_shows_the_servers_error(browser, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(server.url + "/")
    page.fill("#api-key", "ork_not_a_key")
    page.dispatch_event("#api-key", "change")
    page.wait_for_selector("#error:not([hidden])")
    assert "UNAUTHENTICATED" in page.inner_text("#error")
    page.close()
