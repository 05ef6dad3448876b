"""`openreel keys create | list | revoke` as an operator runs them, against the database a live
server reads, and the one line that says which data dir a command used."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cli.lines import assert_one_line_error
from tests.support import STATIC_PROMPT, LiveServer, openreel_cli

_HINT = "(set OPENREEL_DATA_DIR or --data-dir)"


def _create(data_dir: Path, *args: str) -> tuple[str, str]:
    """(key id, key) of a new key: the key is stdout, alone; the note on stderr names its id."""
    done = openreel_cli("keys", "create", "--data-dir", str(data_dir), *args)
    assert done.returncode == 0, done.stderr
    [key] = done.stdout.split()
    note = next(line for line in done.stderr.splitlines() if line.startswith("Created key"))
    return note.split()[2], key


def _rows(data_dir: Path) -> list[list[str]]:
    done = openreel_cli("keys", "list", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    return [line.split() for line in done.stdout.strip().splitlines()]


def test_keys_list_shows_every_key_without_its_secret(tmp_path: Path) -> None:
    studio_id, studio_key = _create(tmp_path, "--project", "studio", "--tier", "standard")
    other_id, other_key = _create(tmp_path, "--project", "other")
    listed = openreel_cli("keys", "list", "--data-dir", str(tmp_path))
    rows = [line.split() for line in listed.stdout.strip().splitlines()]
    assert rows[0] == ["ID", "PREFIX", "PROJECT", "TIER", "CREATED", "REVOKED"]
    assert [(r[0], r[1], r[2], r[3], r[-1]) for r in rows[1:]] == [
        (studio_id, f"{studio_key[:10]}…", "studio", "standard", "-"),
        (other_id, f"{other_key[:10]}…", "other", "elevated", "-")]
    assert studio_key not in listed.stdout and other_key not in listed.stdout


def test_default_tier_runs_the_readme_examples(tmp_path: Path) -> None:
    """Two operations at once (--parallel 2) and two samples per request: the free tier's single
    concurrent operation would refuse the second create."""
    live = LiveServer(tmp_path)
    created = openreel_cli("keys", "create", "--project", "demo", env=live.env)
    assert "tier elevated" in created.stderr
    [key] = created.stdout.split()
    live.start()
    try:
        body = {"instances": [{"prompt": STATIC_PROMPT}],
                "parameters": {"durationSeconds": 4, "resolution": "720p", "sampleCount": 2}}
        with live.client(key) as http:
            names = [http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body).json()["name"]
                     for _ in range(2)]
            assert all(name.startswith("models/veo-3.0-generate-001/operations/") for name in names), names
            for name in names:
                http.post(f"/v1beta/operations/{name.rsplit('/', 1)[1]}:cancel")
    finally:
        live.stop()


def test_revoked_key_gets_401_and_the_others_keep_working(tmp_path: Path) -> None:
    live = LiveServer(tmp_path)
    revoked_id, revoked_key = _create(tmp_path, "--project", "p")
    _, kept_key = _create(tmp_path, "--project", "p")
    done = openreel_cli("keys", "revoke", revoked_id, "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Revoked key {revoked_id} ")
    assert _rows(tmp_path)[1][-1] != "-"  # the REVOKED column now holds a time
    live.start()
    try:
        assert f"using data dir {tmp_path} {_HINT}" in live.log_path.read_text()  # serve says it too
        refused = httpx.get(f"{live.url}/v1beta/models", headers={"x-goog-api-key": revoked_key})
        assert refused.status_code == 401 and refused.json()["error"]["status"] == "UNAUTHENTICATED"
        assert httpx.get(f"{live.url}/v1beta/models", headers={"x-goog-api-key": kept_key}).status_code == 200
        models = openreel_cli("models", "--server", live.url, "--api-key", revoked_key)
        assert "revoked" in assert_one_line_error(models, 3)
    finally:
        live.stop()


def test_revoking_an_unknown_key_exits_4(tmp_path: Path) -> None:
    _create(tmp_path)
    done = openreel_cli("keys", "revoke", "0123456789abcdef", "--data-dir", str(tmp_path))
    assert done.returncode == 4
    assert done.stderr.strip().splitlines()[-1].startswith("error: NOT_FOUND: No API key has the id")


def test_keys_create_says_which_data_dir_it_used_and_that_it_created_it(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    first = openreel_cli("keys", "create", env={"OPENREEL_DATA_DIR": str(data)})
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines()[0] == f"created new data dir {data} {_HINT}"
    again = openreel_cli("keys", "create", env={"OPENREEL_DATA_DIR": str(data)})
    assert again.stderr.splitlines()[0] == f"using data dir {data} {_HINT}"


def test_keys_list_in_a_folder_without_data_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "data"
    done = openreel_cli("keys", "list", env={"OPENREEL_DATA_DIR": str(missing)})
    assert assert_one_line_error(done, 2) == f"error: FAILED_PRECONDITION: no data dir at {missing} {_HINT}"
    assert not missing.exists()


def test_keys_list_in_a_data_dir_without_a_database_leaves_none_behind(tmp_path: Path) -> None:
    done = openreel_cli("keys", "list", "--data-dir", str(tmp_path))
    line = assert_one_line_error(done, 2)
    assert line.startswith(f"error: FAILED_PRECONDITION: no keys in data dir {tmp_path} yet")
    assert list(tmp_path.iterdir()) == []
