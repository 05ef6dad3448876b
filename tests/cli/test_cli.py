"""The CLI as a user runs it: as a subprocess, reading stdout and exit codes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support import LiveServer, decode_mp4, openreel_cli
from tests.tiny_models import write_catalog


def test_keys_create_prints_the_key_alone_on_the_last_line(tmp_path: Path) -> None:
    env = {"OPENREEL_DATA_DIR": str(tmp_path)}
    done = openreel_cli("keys", "create", "--tier", "elevated", "--project", "studio", env=env)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("ork_") and " " not in key
    assert key not in (tmp_path / "openreel.db").read_bytes().decode("latin-1")  # only its hash is kept


def test_created_key_authenticates_against_the_server(tmp_path: Path) -> None:
    live = LiveServer(tmp_path / "srv")
    key = live.create_key(project="studio")
    live.start()
    try:
        assert httpx.get(f"{live.url}/v1beta/models", headers={"x-goog-api-key": key}).status_code == 200
        assert httpx.get(f"{live.url}/v1beta/models", headers={"x-goog-api-key": key + "x"}).status_code == 401
    finally:
        live.stop()


def test_generate_writes_the_requested_clip(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    done = openreel_cli("generate", "ocean waves at sunset, static shot", "-o", str(out), "--duration", "4",
                        "--resolution", "720p", "--aspect-ratio", "9:16", "--audio", "--seed", "5",
                        env={"OPENREEL_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    mp4 = decode_mp4(out.read_bytes())
    assert (mp4.width, mp4.height, mp4.frame_count, mp4.audio_codec) == (720, 1280, 96, "aac")


def test_generate_rejects_bad_flags_with_exit_code_2(tmp_path: Path) -> None:
    done = openreel_cli("generate", "x", "-o", str(tmp_path / "x.mp4"), "--duration", "5")
    assert done.returncode == 2
    assert "parameters.durationSeconds" in done.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_generate_reads_prompts_from_a_file_without_a_prompt_argument(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\nsnow over a forest, static shot\n\n")
    done = openreel_cli("generate", "--prompts-file", str(prompts), "--output-template",
                        str(tmp_path / "{index:02d}-{slug}.mp4"), "--duration", "4", "--resolution", "720p")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "00-snow-over-a-forest-static-shot.mp4"
    # Bars go to stderr; stdout says what was written, and what of the prompt the engine drew.
    wrote, drawn = done.stdout.splitlines()
    assert wrote.startswith(f"wrote {out} (seed ")
    assert drawn == "  rendered: snow, forest, static"
    assert decode_mp4(out.read_bytes()).frame_count == 96


def test_generate_runs_an_open_weight_model_through_the_workers_render_path(
        tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    catalog = write_catalog(tmp_path / "catalog.toml", {"ltx2": tiny_models["ltx2"]})
    out = tmp_path / "ltx.mp4"
    env = {"OPENREEL_DATA_DIR": str(tmp_path), "OPENREEL_CATALOG_PATH": str(catalog), "OMP_NUM_THREADS": "1"}
    done = openreel_cli("generate", "a monkey dancing", "-o", str(out), "--model", "ltx2", "--duration", "4",
                        "--resolution", "720p", "--audio", "--seed", "9", "--samples", "2", env=env)
    assert done.returncode == 0, done.stderr
    for sample in (tmp_path / "ltx-0.mp4", tmp_path / "ltx-1.mp4"):
        mp4 = decode_mp4(sample.read_bytes())
        assert (mp4.width, mp4.height, mp4.frame_count, mp4.audio_codec) == (1280, 720, 96, "aac")
    assert not list(tmp_path.glob(".openreel-*"))  # the scratch folder is gone
    # What the model cannot do is refused before anything runs, as a server would.
    refused = openreel_cli("generate", "x", "-o", str(tmp_path / "x.mp4"), "--model", "ltx2", "--duration", "4",
                           "--resolution", "4k", env=env)
    assert refused.returncode == 2 and "parameters.resolution" in refused.stderr
