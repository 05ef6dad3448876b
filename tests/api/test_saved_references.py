"""Characters and styles a project saves once and names in any request, through HTTP in process,
checked on decoded frames: a character is the same subject in every clip that names it, and a
style taken from an example video carries its palette and grain over."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from openreel.media.encode import Mp4Encoder
from tests.images import b64, inline_image, png_bytes
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import decode_mp4
from tests.tiny_models import catalog_table

V = "/v1beta"
STATIC = "static shot, locked-off camera"
MAGENTA = (230, 20, 210)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    root = tmp_path_factory.mktemp("saved")
    catalog = root / "catalog.toml"
    catalog.write_text(catalog_table("no-references", {"engine": "procedural"})
                       + catalog_table("gated-plain", {"engine": "gated", "control_dir": str(root),
                                                       "capabilities": {"reference_types": []}}))
    with InProcessServer(explicit_settings(root / "data", catalog_path=catalog)) as app:
        yield app


@pytest.fixture(scope="module")
def http(server: InProcessServer) -> InProcessClient:
    return server.client(server.create_key(project="studio"))


def _figure_png() -> bytes:
    """A magenta figure on a transparent background: a subject no procedural scene draws."""
    image = Image.new("RGBA", (200, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 10, 140, 90), fill=(*MAGENTA, 255))
    draw.rectangle((50, 90, 150, 390), fill=(*MAGENTA, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _video(http: InProcessClient, server: InProcessServer, body: dict[str, Any],
           model: str = "veo-3.0-generate-001") -> np.ndarray:
    """The middle frame of the video the create body makes (4 s, 720p, seed 3)."""
    return _made(http, server, body, model)[0]


def _made(http: InProcessClient, server: InProcessServer, body: dict[str, Any],
          model: str = "veo-3.0-generate-001") -> tuple[np.ndarray, str]:
    """The middle frame of the video the create body makes, and the video's uri."""
    body = {"parameters": {"durationSeconds": 4, "resolution": "720p", "seed": 3}, **body}
    created = http.post(f"{V}/models/{model}:predictLongRunning", json=body)
    assert created.status_code == 200, created.text
    done = server.wait_done(http, f"{V}/{created.json()['name']}")
    assert "error" not in done, done
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    return decode_mp4(http.get(f"{V}/files/{file_id}:download", params={"alt": "media"}).content,
                      keep_frames=True).frames[48], uri


def _magenta_share(frame: np.ndarray) -> float:
    r, g, b = (frame[..., i].astype(np.int16) for i in range(3))
    return float(((r > 170) & (g < 90) & (b > 150)).mean())


def _subject_histogram(frame: np.ndarray) -> np.ndarray:
    """Colour histogram of the magenta subject's pixels (where the figure stands)."""
    r, g, b = (frame[..., i].astype(np.int16) for i in range(3))
    mask = (r > 170) & (g < 90) & (b > 150)
    pixels = frame[mask] // 32
    counts = np.bincount((pixels[:, 0] * 8 + pixels[:, 1]) * 8 + pixels[:, 2], minlength=512).astype(float)
    return counts / max(counts.sum(), 1)


def test_a_character_is_made_read_listed_and_deleted_within_its_project(server: InProcessServer,
                                                                        http: InProcessClient) -> None:
    made = http.post(f"{V}/characters", json={"displayName": "Mia", "images": [inline_image(_figure_png()),
                                                                                inline_image(png_bytes(seed=2))]})
    assert made.status_code == 200, made.text
    character = made.json()
    assert character["name"].startswith("characters/") and character["displayName"] == "Mia"
    assert [image["mimeType"] for image in character["images"]] == ["image/png", "image/png"]
    assert http.get(f"{V}/{character['name']}").json() == character
    assert http.get(character["images"][0]["uri"]).content == _figure_png()  # the image as given
    assert character["name"] in [c["name"] for c in http.get(f"{V}/characters").json()["characters"]]
    other = server.client(server.create_key(project="elsewhere"))
    assert other.get(f"{V}/{character['name']}").status_code == 404  # another project's is not there
    assert other.get(f"{V}/characters").json()["characters"] == []
    assert http.delete(f"{V}/{character['name']}").status_code == 200
    assert http.get(f"{V}/{character['name']}").status_code == 404
    assert http.get(character["images"][0]["uri"]).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"displayName": "x"}, "images"),
    ({"images": []}, "images"),
    ({"images": [inline_image()] * 4}, "images"),
    ({"images": [{"bytesBase64Encoded": "!!", "mimeType": "image/png"}]}, "images[0].bytesBase64Encoded"),
    ({"images": [{"bytesBase64Encoded": b64(b"not an image"), "mimeType": "image/png"}]},
     "images[0].bytesBase64Encoded"),
    ({"images": [{"uri": "https://example.com/a.png"}]}, "images[0].uri"),
    ({"images": [inline_image()], "hair": "red"}, "hair"),
    ({"images": [inline_image()], "displayName": 5}, "displayName"),
])
def test_a_bad_character_is_refused_naming_the_field_and_nothing_is_kept(http: InProcessClient,
                                                                         body: dict[str, Any], field: str) -> None:
    before = http.get(f"{V}/characters").json()["characters"]
    refused = http.post(f"{V}/characters", json=body)
    assert refused.status_code == 400, refused.text
    fields = [v["field"] for d in refused.json()["error"]["details"] if "fieldViolations" in d
              for v in d["fieldViolations"]]
    assert field in fields
    assert http.get(f"{V}/characters").json()["characters"] == before


def test_the_same_character_appears_in_every_clip_that_names_it(server: InProcessServer,
                                                                 http: InProcessClient) -> None:
    name = http.post(f"{V}/characters", json={"displayName": "Mia", "images": [inline_image(_figure_png())]}
                     ).json()["name"]
    beach = _video(http, server, {"instances": [{"prompt": f"a sunny beach at noon, {STATIC}", "character": name}]})
    city = _video(http, server, {"instances": [{"prompt": f"a city street at night, {STATIC}", "character": name}]})
    plain = _video(http, server, {"instances": [{"prompt": f"a sunny beach at noon, {STATIC}"}]})
    assert _magenta_share(plain) < 0.001
    assert _magenta_share(beach) > 0.02 and _magenta_share(city) > 0.02
    # The subject's own colours match across the two scenes (histogram intersection).
    assert np.minimum(_subject_histogram(beach), _subject_histogram(city)).sum() > 0.6
    # A storyboard scene may name it too.
    board = http.post(f"{V}/models/procedural:generateStoryboard", json={
        "scenes": [{"prompt": f"a desert at noon, {STATIC}", "durationSeconds": 4, "character": name}],
        "parameters": {"resolution": "720p", "seed": 3}})
    assert board.status_code == 200, board.text
    done = server.wait_done(http, f"{V}/{board.json()['name']}")
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    frames = decode_mp4(http.get(f"{V}/files/{file_id}:download", params={"alt": "media"}).content,
                        keep_frames=True).frames
    assert _magenta_share(frames[48]) > 0.02


def test_a_storyboards_character_holds_across_its_scenes(server: InProcessServer, http: InProcessClient) -> None:
    name = http.post(f"{V}/characters", json={"displayName": "Mia", "images": [inline_image(_figure_png())]}
                     ).json()["name"]
    board = http.post(f"{V}/models/procedural:generateStoryboard", json={
        "scenes": [{"prompt": f"a sunny beach at noon, {STATIC}", "durationSeconds": 4},
                   {"prompt": f"a pine forest at dawn, {STATIC}", "durationSeconds": 4}],
        "character": name, "parameters": {"resolution": "720p", "seed": 3}})
    assert board.status_code == 200, board.text
    done = server.wait_done(http, f"{V}/{board.json()['name']}")
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    frames = decode_mp4(http.get(f"{V}/files/{file_id}:download", params={"alt": "media"}).content,
                        keep_frames=True).frames
    first, second = frames[48], frames[4 * 24 + 48]  # the middle of each scene
    assert _magenta_share(first) > 0.02 and _magenta_share(second) > 0.02
    assert np.minimum(_subject_histogram(first), _subject_histogram(second)).sum() > 0.6


@pytest.mark.parametrize(("model", "instance", "field"), [
    ("veo-3.0-generate-001", {"character": "characters/0123456789abcdef0123456789abcdef"}, "instances[0].character"),
    ("veo-3.0-generate-001", {"character": "../../etc/passwd"}, "instances[0].character"),
    ("veo-3.0-generate-001", {"styleReference": "styles/nope"}, "instances[0].styleReference"),
    ("gated-plain", {"character": "characters/any"}, "instances[0].character"),
])
def test_a_character_or_style_that_cannot_apply_is_refused_naming_the_field(
        http: InProcessClient, model: str, instance: dict[str, Any], field: str) -> None:
    refused = http.post(f"{V}/models/{model}:predictLongRunning",
                        json={"instances": [{"prompt": "a lake", **instance}]})
    assert refused.status_code == 400, refused.text
    fields = [v["field"] for d in refused.json()["error"]["details"] if "fieldViolations" in d
              for v in d["fieldViolations"]]
    assert fields == [field]


def _example_video() -> bytes:
    """Four seconds of a grainy teal scene: the look a style should carry over."""
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "example.mp4"
        with Mp4Encoder(path, 640, 360, 24) as encoder:
            for index in range(96):
                frame = np.empty((360, 640, 3), np.int16)
                frame[:] = (20 + index // 8, 150, 160)
                frame += rng.integers(-40, 40, frame.shape)
                encoder.write_frame(np.clip(frame, 0, 255).astype(np.uint8))
        return path.read_bytes()


def _texture(frame: np.ndarray) -> float:
    grey = np.asarray(Image.fromarray(frame).convert("L"), dtype=np.float32)
    return float(np.abs(np.diff(grey, axis=1)).mean())


def test_a_style_from_an_example_video_carries_its_palette_and_grain_over(server: InProcessServer,
                                                                          http: InProcessClient) -> None:
    made = http.post(f"{V}/styles", json={"displayName": "teal grain",
                                          "video": {"bytesBase64Encoded": b64(_example_video()),
                                                    "mimeType": "video/mp4"}})
    assert made.status_code == 200, made.text
    style = made.json()
    assert 1 <= len(style["images"]) <= 3
    first = np.asarray(Image.open(io.BytesIO(http.get(style["images"][0]["uri"]).content)).convert("RGB"))
    assert first.shape == (360, 640, 3) and first[..., 1].mean() > first[..., 0].mean() + 60  # a teal frame
    prompt = {"prompt": f"a mountain lake at noon, {STATIC}"}
    plain = _video(http, server, {"instances": [prompt]})
    styled, styled_uri = _made(http, server, {"instances": [{**prompt, "styleReference": style["name"]}]})

    def teal(frame: np.ndarray) -> float:
        mean = frame.reshape(-1, 3).mean(axis=0)
        return float((mean[1] + mean[2]) / 2 - mean[0])

    assert teal(styled) > teal(plain) + 10  # the palette moved toward the example's
    assert _texture(styled) > _texture(plain) * 1.3  # and it is grainy
    # A style is reusable, named by its bare id too.
    desert = {"prompt": f"a desert at dusk, {STATIC}"}
    again = _video(http, server, {"instances": [{**desert, "styleReference": style["name"].split("/")[1]}]})
    assert teal(again) > teal(_video(http, server, {"instances": [desert]})) + 10
    # A video this server made can be the example too, by its uri.
    from_uri = http.post(f"{V}/styles", json={"displayName": "from a clip", "video": {"uri": styled_uri}})
    assert from_uri.status_code == 200, from_uri.text
    assert from_uri.json()["images"]


def test_a_bad_style_video_is_refused_naming_the_field(http: InProcessClient) -> None:
    for video, field in (({"bytesBase64Encoded": b64(b"not a video"), "mimeType": "video/mp4"},
                          "video.bytesBase64Encoded"),
                         ({"uri": "files/0123"}, "video.uri"), (None, "video")):
        refused = http.post(f"{V}/styles", json={"displayName": "x", **({"video": video} if video else {})})
        assert refused.status_code == 400, refused.text
        fields = [v["field"] for d in refused.json()["error"]["details"] if "fieldViolations" in d
                  for v in d["fieldViolations"]]
        assert field in fields
