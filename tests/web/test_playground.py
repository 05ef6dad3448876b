"""The playground in a real browser (Debian's Chromium driven by Playwright): paste a key, write a
prompt, watch the progress, see the video play and download it, find it under Recent with a
thumbnail, whichever surface (Gemini or Vertex) made it. Without a key, or with a refused one, the
page says so and asks for one rather than posting. The key travels only in headers: no URL the
browser requests, and no line the server logs, contains it.

Jobs that must stay "rendering" use the gated test engine (tests/gates.py), so what is checked
mid-render never depends on how fast this machine renders.

The screenshot is written under tmp_path; OPENREEL_UPDATE_DOCS=1 also copies it to docs/."""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.gates import MODEL as GATED
from tests.gates import Gates, gated_body
from tests.support import REPO, STATIC_PROMPT, LiveServer, decode_mp4, import_or_require, require_or_skip

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--autoplay-policy=no-user-gesture-required"]
VIDEO_PLAYS = "v => v.src.startsWith('blob:') && v.readyState > 0 && v.duration > 0"


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[LiveServer]:
    """Like conftest's server, with the gated model added to the catalog and uvicorn's access log
    on, written as it happens."""
    data = tmp_path_factory.mktemp("playground")
    live = LiveServer(data, public_url="https://openreel.test",
                      catalog_path=gates.write_catalog(data / "catalog.json"))
    live.env["PYTHONUNBUFFERED"] = "1"
    live.start(log_level="info")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        require_or_skip("Debian's chromium is not installed (apt-get install -y chromium)")
    playwright_api = import_or_require("playwright.sync_api", "playwright is not installed (pip install playwright)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield launched
        launched.close()


def _enter_key(page: Any, server: LiveServer, key: str) -> None:
    """Open the playground and paste the key; returns once the key has loaded the model list."""
    page.goto(server.url + "/")
    page.fill("#api-key", key)
    page.dispatch_event("#api-key", "change")
    page.wait_for_function("document.querySelectorAll('#model option').length > 1")


def _download(page: Any, tmp_path: Path) -> bytes:
    """Click "Download MP4" and return the bytes the browser saved."""
    with page.expect_download() as started:
        page.click("#download")
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)
    return saved.read_bytes()


def _create(server: LiveServer, key: str, path: str, body: dict[str, Any]) -> str:
    """Make an operation as an API client would (not through the page) and wait until it is done."""
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        created = http.post(path, json=body)
        assert created.status_code == 200, created.text
        name = str(created.json()["name"])
        server.wait_done(http, f"/v1/{name}" if name.startswith("projects/") else f"/v1beta/{name}")
    return name


def _vertex_video(server: LiveServer, key: str, name: str) -> bytes:
    model = name.rpartition("/operations/")[0]
    polled = httpx.post(f"{server.url}/v1/{model}:fetchPredictOperation", json={"operationName": name},
                        headers={"Authorization": f"Bearer {key}"}, timeout=60)
    return base64.b64decode(polled.json()["response"]["videos"][0]["bytesBase64Encoded"])


def test_prompt_to_playing_video_with_progress_and_recent_list(browser, server: LiveServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = server.create_key(project="playground")
    page = browser.new_page(viewport={"width": 1100, "height": 1150})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    _enter_key(page, server, key)
    assert page.title() == "openreel playground"
    page.select_option("#model", "veo-3.1-generate-preview")
    page.fill("#prompt", "A futuristic city at night with flying cars and a whale, " + STATIC_PROMPT.split(",")[1])
    page.select_option("#duration", "4")
    page.select_option("#resolution", "720p")
    page.check("#audio")
    seen_states: set[str] = set()
    page.click("#submit")
    page.wait_for_selector("#job:not([hidden])")
    deadline = time.monotonic() + 300
    while not page.is_visible("#download") and time.monotonic() < deadline:  # shown once it is done
        seen_states.add(page.inner_text("#status").split(" ")[0])
        page.wait_for_timeout(100)
    # The video plays in the page.
    page.wait_for_function("document.querySelector('#result').currentTime > 0.3", timeout=60_000)
    assert page.get_attribute("#download", "href").startswith("blob:")  # fetched with the key header
    assert int(page.eval_on_selector("#progress", "p => p.value")) == 100
    assert seen_states & {"Queued", "Rendering…", "Done:", "Done"}
    assert page.is_hidden("#error")
    # Under the video: what of the prompt the procedural engine drew, and what it could not.
    assert page.inner_text("#rendered") == "city, night, flying car, static"
    assert page.inner_text("#not-rendered") == "whale"
    # And it is listed under Recent with a real thumbnail.
    page.wait_for_function("[...document.querySelectorAll('#recent img')].some(i => i.complete && i.naturalWidth > 0)")
    assert "veo-3.1-generate-preview" in page.inner_text("#recent")
    # Clicking a Recent item plays that video, fetched into a fresh blob: URL.
    first = page.get_attribute("#result", "src")
    page.click("#recent button")
    page.wait_for_function("first => document.querySelector('#result').src !== first", arg=first)
    assert page.get_attribute("#result", "src").startswith("blob:")
    assert page.inner_text("#not-rendered") == "whale"  # the Recent item's own account
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


def test_the_video_plays_live_while_it_renders_and_downloads_once_ready(  # type: ignore[no-untyped-def]
        browser, server: LiveServer, gates: Gates, tmp_path: Path) -> None:
    page = browser.new_page()
    requested_live: list[str] = []
    page.on("request", lambda request: ":live" in request.url and requested_live.append(request.url))
    _enter_key(page, server, server.create_key(project="download"))
    page.select_option("#model", GATED)
    page.fill("#prompt", "held flat test frames")
    page.select_option("#duration", "4")
    page.select_option("#resolution", "720p")
    page.click("#submit")
    gates.open("held", 0, frames=60)  # most of the frames: the job renders, then waits
    try:
        page.wait_for_function("document.querySelector('#status').textContent.startsWith('Rendering… ') "
                               "&& document.querySelector('#progress').value > 0")
        # The video already plays, streamed live while it is made; there is no file to download yet.
        page.wait_for_function("document.querySelector('#result').currentTime > 0.3", timeout=60_000)
        assert page.inner_text("#status").startswith("Rendering… ")
        assert page.is_hidden("#download")
        assert page.eval_on_selector("#download", "a => getComputedStyle(a).display") == "none"
    finally:
        gates.open("held", 0)  # even on failure: a held job would keep the module's one worker busy
    page.wait_for_selector("#download", state="visible")
    assert page.get_attribute("#download", "href").startswith("blob:")
    page.wait_for_function(f"({VIDEO_PLAYS})(document.querySelector('#result'))")
    assert requested_live and page.is_hidden("#error")
    video = decode_mp4(_download(page, tmp_path))
    assert (video.codec, video.width, video.height, video.frame_count) == ("h264", 1280, 720, 96)
    page.close()


def test_without_a_key_the_page_asks_for_one_and_does_not_post(browser, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server.url + "/")
    page.wait_for_selector("#error:not([hidden])")
    assert "Enter an API key" in page.inner_text("#error")
    assert "openreel keys create" in page.inner_text("#error")
    assert page.evaluate("document.activeElement.id") == "api-key"

    page.fill("#prompt", "a lighthouse in a storm")
    page.click("#submit")
    page.wait_for_selector("#submit:not([disabled])")
    page.wait_for_selector("#error:not([hidden])")
    assert "Enter an API key" in page.inner_text("#error")
    assert not any(":predictLongRunning" in url for url in requested), requested
    page.close()


def test_a_refused_key_is_named_as_the_problem_and_nothing_is_posted(browser, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server.url + "/")
    page.fill("#api-key", "ork_not_a_key")
    page.dispatch_event("#api-key", "change")
    page.wait_for_function("document.querySelector('#error').textContent.startsWith('This key was refused')")
    message = page.inner_text("#error")
    assert "401 UNAUTHENTICATED" in message and "openreel keys create" in message
    assert page.get_attribute("#api-key", "aria-invalid") == "true"

    page.fill("#prompt", "a lighthouse in a storm")
    page.click("#submit")
    page.wait_for_selector("#submit:not([disabled])")
    assert page.inner_text("#error").startswith("This key was refused")
    assert not any(":predictLongRunning" in url for url in requested), requested
    page.close()


def test_every_recent_operation_opens_plays_and_downloads_whichever_surface_made_it(  # type: ignore[no-untyped-def]
        browser, server: LiveServer, gates: Gates, tmp_path: Path) -> None:
    key = server.create_key(project="surfaces")
    gates.open("viagemini", 0)
    gates.open("viavertex", 0)
    gemini = _create(server, key, f"/v1beta/models/{GATED}:predictLongRunning", gated_body("viagemini"))
    vertex = _create(server, key, "/v1/projects/surfaces/locations/us-central1/publishers/google/models/"
                                  f"{GATED}:predictLongRunning", gated_body("viavertex"))
    assert vertex.startswith("projects/surfaces/locations/us-central1/publishers/google/models/gated/operations/")
    gates.open("viaopenai", 0)
    openai = httpx.post(f"{server.url}/v1/videos", headers={"Authorization": f"Bearer {key}"},
                        files={"prompt": (None, "viaopenai flat test frames"), "model": (None, GATED),
                               "seconds": (None, "4"), "size": (None, "1280x720")}).json()
    via_openai = "operations/" + openai["id"].removeprefix("video_")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        server.wait_done(http, f"/v1beta/{via_openai}")

    failed: list[str] = []  # answers to requests made with the key (before it, the page gets 401s)
    page = browser.new_page()
    page.on("response", lambda response: response.status >= 400 and "x-goog-api-key" in response.request.headers
            and failed.append(f"{response.status} {response.url}"))
    _enter_key(page, server, key)
    for name in (gemini, vertex, via_openai):
        item = f'#recent li[data-operation="{name}"]'
        page.wait_for_function(f"(i => i && i.complete && i.naturalWidth > 0)(document.querySelector('{item} img'))")
        before = page.get_attribute("#result", "src")
        page.click(f"{item} button")
        page.wait_for_function(f"(before => ({VIDEO_PLAYS})(document.querySelector('#result')) "
                               "&& document.querySelector('#result').src !== before)", arg=before)
        assert page.is_visible("#download")
        saved = _download(page, tmp_path)
        assert decode_mp4(saved).frame_count == 96
        if name == vertex:
            assert saved == _vertex_video(server, key, vertex)
    assert "Vertex" in page.inner_text(f'#recent li[data-operation="{vertex}"]')
    assert "OpenAI" in page.inner_text(f'#recent li[data-operation="{via_openai}"]')
    assert failed == []
    page.close()


def test_the_storyboard_editor_makes_one_video_of_its_scenes(browser, server: LiveServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1100, "height": 1300})
    _enter_key(page, server, server.create_key(project="boards"))
    page.select_option("#model", "procedural")
    page.select_option("#resolution", "720p")
    page.click("#storyboard-editor summary")
    # Two scenes are there to start from; make them 4 s each, add a third that dissolves in.
    prompts = ["A sunny beach at noon, static shot", "A city skyline at night, static shot",
               "A mountain lake at sunset, static shot"]
    page.click("#add-scene")
    rows = page.locator("#scenes li")
    assert rows.count() == 3
    for index, prompt in enumerate(prompts):
        rows.nth(index).locator(".scene-prompt").fill(prompt)
        rows.nth(index).locator(".scene-seconds").fill("4")
    rows.nth(2).locator(".scene-transition").select_option("dissolve")
    rows.nth(1).locator(".scene-camera").select_option("dolly_in")
    page.fill("#style", "warm film look")
    with page.expect_request(lambda r: r.url.endswith(":generateStoryboard")) as sent:
        page.click("#make-storyboard")
    body = sent.value.post_data_json
    assert [s["prompt"] for s in body["scenes"]] == prompts and body["style"] == "warm film look"
    assert body["scenes"][2]["transition"] == "dissolve" and body["scenes"][1]["camera"] == "dolly_in"
    page.wait_for_selector("#download", state="visible", timeout=300_000)
    page.wait_for_function(f"({VIDEO_PLAYS})(document.querySelector('#result'))")
    assert abs(page.eval_on_selector("#result", "v => v.duration") - 12) < 0.1
    assert decode_mp4(_download(page, tmp_path)).frame_count == 12 * 24
    # A bad scene is refused with the field named, in the page's error line.
    rows.nth(0).locator(".scene-seconds").fill("2")
    page.click("#make-storyboard")
    page.wait_for_selector("#error:not([hidden])")
    assert "scenes[0].durationSeconds" in page.inner_text("#error")
    page.close()
