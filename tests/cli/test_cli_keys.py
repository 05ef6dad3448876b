"""`openreel keys create | list | revoke` as an operator runs them, against the database a live
server reads, and the one line that says which data dir a command used."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.cli.lines import assert_one_line_error
from tests.inprocess import ADMIN_KEY, InProcessServer, admin_settings
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
    assert rows[0] == ["ID", "PREFIX", "PROJECT", "TIER", "CREATED", "EXPIRES", "REVOKED"]
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
    assert assert_one_line_error(done, 4).startswith("error: NOT_FOUND: No API key has the id")


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


@pytest.mark.parametrize("url", ["garbage://", ":", "mysql://u@h/x", "postgresql+nodriver://u@h/x"])
@pytest.mark.parametrize("args", [["keys", "list"], ["keys", "create"], ["keys", "revoke", "abc"], ["serve"]],
                         ids=" ".join)
def test_a_database_url_sqlalchemy_cannot_use_exits_2_before_connecting(tmp_path: Path, args: list[str],
                                                                         url: str) -> None:
    line = assert_one_line_error(openreel_cli(*args, "--database-url", url, "--data-dir", str(tmp_path / "data")), 2)
    assert line.startswith("error: INVALID_ARGUMENT: --database-url / OPENREEL_DATABASE_URL ")
    assert line.endswith("use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("args", [["keys", "list"], ["serve"]], ids=" ".join)
def test_the_database_url_variable_is_checked_as_the_flag_is(tmp_path: Path, args: list[str]) -> None:
    flag = openreel_cli(*args, "--database-url", "garbage://", "--data-dir", str(tmp_path))
    env = openreel_cli(*args, "--data-dir", str(tmp_path), env={"OPENREEL_DATABASE_URL": "garbage://"})
    assert assert_one_line_error(flag, 2) == assert_one_line_error(env, 2) == (
        "error: INVALID_ARGUMENT: --database-url / OPENREEL_DATABASE_URL garbage://: unknown database 'garbage'; "
        "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE")


def test_a_database_url_hides_its_password_in_the_error() -> None:
    done = openreel_cli("keys", "list", "--database-url", "mysql://u:s3cret@h/x")
    line = assert_one_line_error(done, 2)
    assert "s3cret" not in line and "mysql://u:***@h/x: its driver is not installed (MySQLdb)" in line


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:k?mode=memory&uri=true"])
def test_keys_refuse_an_in_memory_database_that_would_lose_the_key(url: str) -> None:
    done = openreel_cli("keys", "create", "--database-url", url)
    assert "is an in-memory database, gone when this command ends" in assert_one_line_error(done, 2)
    assert done.stdout == ""


@pytest.mark.parametrize("project", ["", "a/b", "my proj", "proj\n", "-lead", ".hidden", "x" * 64, "ünï"])
def test_keys_create_refuses_a_project_no_vertex_path_can_name(tmp_path: Path, project: str) -> None:
    done = openreel_cli("keys", "create", "--project", project, "--data-dir", str(tmp_path / "data"))
    line = assert_one_line_error(done, 2)
    assert line.startswith(f"error: INVALID_ARGUMENT: --project {' '.join(repr(project).split())}: use 1-63 letters")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("project", ["default", "my-proj", "your-project-id", "my_project.v2", "9lives", "x" * 63])
def test_keys_create_accepts_project_ids_as_vertex_spells_them(tmp_path: Path, project: str) -> None:
    _create(tmp_path, "--project", project)
    assert [row[2] for row in _rows(tmp_path)[1:]] == [project]


def test_errors_of_keys_commands_are_one_line_and_success_names_the_data_dir(tmp_path: Path) -> None:
    key_id, _ = _create(tmp_path)
    missing = openreel_cli("keys", "revoke", "0123456789abcdef", "--data-dir", str(tmp_path))
    assert assert_one_line_error(missing, 4).startswith("error: NOT_FOUND: No API key has the id")
    revoked = openreel_cli("keys", "revoke", key_id, "--data-dir", str(tmp_path))
    assert revoked.returncode == 0 and revoked.stderr.splitlines() == [f"using data dir {tmp_path} {_HINT}"]
    listed = openreel_cli("keys", "list", "--data-dir", str(tmp_path))
    assert listed.stderr.splitlines() == [f"using data dir {tmp_path} {_HINT}"]


def test_keys_create_expires_in_sets_an_expiry_that_list_shows(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    done = openreel_cli("keys", "create", "--project", "brief", "--expires-in", "30d", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert ", expires " in done.stderr
    _create(tmp_path, "--project", "forever")
    [expiring, forever] = json.loads(openreel_cli("keys", "list", "--json", "--data-dir", str(tmp_path)).stdout)
    expires = datetime.fromisoformat(expiring["expireTime"].replace("Z", "+00:00"))
    assert before + timedelta(days=30) <= expires <= datetime.now(UTC) + timedelta(days=30)
    assert (expiring["state"], forever["state"], forever["expireTime"]) == ("ACTIVE", "ACTIVE", None)
    rows = _rows(tmp_path)
    assert rows[1][6:8] == [f"{expires:%Y-%m-%d}", f"{expires:%H:%M:%S}Z"] and rows[2][6] == "-"


@pytest.mark.parametrize("value", ["30", "d", "0d", "-1d", "1w", "1.5h", "", "30 days", "1e3s", "٣d"])
def test_keys_create_refuses_an_expiry_it_cannot_read_and_creates_nothing(tmp_path: Path, value: str) -> None:
    done = openreel_cli("keys", "create", "--expires-in", value, "--data-dir", str(tmp_path / "data"))
    line = assert_one_line_error(done, 2)
    assert line.startswith(f"error: INVALID_ARGUMENT: --expires-in {value!r}: use a whole number and a unit")
    assert done.stdout == "" and not (tmp_path / "data").exists()


def test_an_expired_key_gets_401_naming_when_it_expired(tmp_path: Path) -> None:
    _, key = _create(tmp_path, "--project", "brief", "--expires-in", "1s")
    time.sleep(1.1)
    listed = openreel_cli("keys", "list", "--data-dir", str(tmp_path))
    assert "(expired)" in listed.stdout
    with InProcessServer(admin_settings(tmp_path)) as server:
        refused = server.client(key).get("/v1beta/models")
    assert refused.status_code == 401 and refused.json()["error"]["status"] == "UNAUTHENTICATED"
    assert refused.json()["error"]["message"].startswith("This API key expired at ")


def test_keys_list_json_is_the_admin_apis_listing(tmp_path: Path) -> None:
    revoked_id, _ = _create(tmp_path, "--project", "a", "--tier", "free")
    _create(tmp_path, "--project", "b", "--expires-in", "12h")
    assert openreel_cli("keys", "revoke", revoked_id, "--data-dir", str(tmp_path)).returncode == 0
    listed = openreel_cli("keys", "list", "--json", "--data-dir", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    with InProcessServer(admin_settings(tmp_path)) as server:
        assert json.loads(listed.stdout) == server.client(ADMIN_KEY).get("/v1/admin/keys").json()["keys"]
