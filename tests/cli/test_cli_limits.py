"""`openreel limits set | show | clear | list` as an operator runs them, on the database a server
reads: custom limits of projects and keys over their tiers, enforced by the server, and one-line
errors with the documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.lines import assert_one_line_error
from tests.inprocess import ADMIN_KEY, InProcessServer, admin_settings
from tests.support import STATIC_PROMPT, openreel_cli

CREATE = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
BODY = {"instances": [{"prompt": STATIC_PROMPT}], "parameters": {"durationSeconds": 4, "resolution": "720p"}}
_HINT = "(set OPENREEL_DATA_DIR or --data-dir)"


def _limits(data_dir: Path, *args: str) -> Any:
    done = openreel_cli("limits", *args, "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    return done


def _json(data_dir: Path, *args: str) -> Any:
    return json.loads(_limits(data_dir, "show", "--json", *args).stdout)


def _key(data_dir: Path, project: str, tier: str) -> tuple[str, str]:
    done = openreel_cli("keys", "create", "--project", project, "--tier", tier, "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    note = next(line for line in done.stderr.splitlines() if line.startswith("Created key"))
    return note.split()[2], done.stdout.strip()


def test_set_merges_show_prints_and_clear_removes_a_projects_limits(tmp_path: Path) -> None:
    done = _limits(tmp_path, "set", "--project", "studio", "--rpm", "600", "--concurrent", "none")
    assert [line.split() for line in done.stdout.splitlines()] == [
        ["LIMIT", "PROJECT"], ["requests_per_minute", "600"], ["requests_per_day", "-"], ["concurrent", "unlimited"]]
    assert done.stderr.splitlines() == [f"using data dir {tmp_path} {_HINT}",
                                        "A running server applies them within 5 s."]
    _limits(tmp_path, "set", "--project", "studio", "--rpd", "0")
    assert _json(tmp_path, "--project", "studio") == {
        "project": "studio", "limits": {"requestsPerMinute": 600, "requestsPerDay": 0, "concurrent": None}}
    cleared = _limits(tmp_path, "clear", "--project", "studio").stdout
    assert cleared == "Cleared the custom limits of project 'studio'.\n"
    assert _json(tmp_path, "--project", "studio")["limits"] == {}
    assert _limits(tmp_path, "clear", "--project", "studio").stdout == "Project 'studio' had no custom limits.\n"


def test_a_keys_limits_win_over_its_projects_and_show_what_applies(tmp_path: Path) -> None:
    key_id, _ = _key(tmp_path, "layered", "free")
    _limits(tmp_path, "set", "--project", "layered", "--rpm", "10")
    _limits(tmp_path, "set", "--key-id", key_id, "--project", "layered", "--rpm", "4", "--rpd", "none")
    shown = _limits(tmp_path, "show", "--key-id", key_id).stdout
    assert [line.split() for line in shown.splitlines()] == [
        ["LIMIT", "KEY", "PROJECT", "TIER", "(free)", "EFFECTIVE"],
        ["requests_per_minute", "4", "10", "2", "4"],
        ["requests_per_day", "unlimited", "-", "10", "unlimited"],
        ["concurrent", "-", "-", "1", "1"]]
    as_json = _json(tmp_path, "--key-id", key_id)
    assert as_json["effective"] == {"requestsPerMinute": 4, "requestsPerDay": None, "concurrent": 1}
    with InProcessServer(admin_settings(tmp_path)) as server:  # the admin API's shape, the same numbers
        assert server.client(ADMIN_KEY).get(f"/v1/admin/keys/{key_id}/limits").json() == as_json


def test_limits_set_with_the_cli_are_enforced_by_the_server(tmp_path: Path) -> None:
    _, key = _key(tmp_path, "enforced", "free")
    _limits(tmp_path, "set", "--project", "enforced", "--rpm", "3", "--concurrent", "none")
    with InProcessServer(admin_settings(tmp_path)) as server:
        http = server.client(key)
        codes = [http.post(CREATE, json=BODY).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        status = http.get("/v1beta/quota").json()
    assert (status["requestsPerMinute"]["limit"], status["concurrent"]["limit"]) == (3, None)


def test_limits_list_shows_every_subject(tmp_path: Path) -> None:
    key_id, _ = _key(tmp_path, "listed", "standard")
    _limits(tmp_path, "set", "--project", "listed", "--concurrent", "2")
    _limits(tmp_path, "set", "--key-id", key_id, "--rpm", "none")
    rows = [line.split() for line in _limits(tmp_path, "list").stdout.splitlines()]
    assert rows == [["SUBJECT", "RPM", "RPD", "CONCURRENT"], [f"key:{key_id}", "unlimited", "-", "-"],
                    ["project:listed", "-", "-", "2"]]


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "", "1e3", "٣"])
def test_a_value_that_is_no_limit_exits_2_before_touching_the_data_dir(tmp_path: Path, value: str) -> None:
    done = openreel_cli("limits", "set", "--project", "p", "--rpm", value, "--data-dir", str(tmp_path / "data"))
    line = assert_one_line_error(done, 2)
    assert line == f"error: INVALID_ARGUMENT: --rpm {value!r}: use a whole number >= 0, or none for no limit"
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["set", "--rpm", "5"], "name whose limits these are: --project P, --key-id ID, or both"),
    (["set", "--project", "p"], "name a limit to set: --rpm, --rpd or --concurrent"),
    (["set", "--project", "a/b", "--rpm", "5"], "--project 'a/b': use 1-63 letters"),
    (["show"], "name whose limits these are"),
])
def test_a_command_missing_what_it_needs_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    line = assert_one_line_error(openreel_cli("limits", *args, "--data-dir", str(tmp_path / "data")), 2)
    assert line.startswith(f"error: INVALID_ARGUMENT: {message}")
    assert not (tmp_path / "data").exists()


def test_an_unknown_key_exits_4_and_another_projects_key_exits_2(tmp_path: Path) -> None:
    key_id, _ = _key(tmp_path, "mine", "free")
    unknown = openreel_cli("limits", "set", "--key-id", "0123456789abcdef", "--rpm", "5", "--data-dir", str(tmp_path))
    assert assert_one_line_error(unknown, 4) == "error: NOT_FOUND: No API key has the id '0123456789abcdef'."
    crossed = openreel_cli("limits", "show", "--key-id", key_id, "--project", "theirs", "--data-dir", str(tmp_path))
    assert assert_one_line_error(crossed, 2) == (f"error: INVALID_ARGUMENT: --key-id {key_id}: the key belongs to "
                                                 "project 'mine', not 'theirs'")


def test_show_in_a_data_dir_without_a_database_leaves_none_behind(tmp_path: Path) -> None:
    done = openreel_cli("limits", "show", "--project", "p", "--data-dir", str(tmp_path))
    assert assert_one_line_error(done, 2).startswith(f"error: FAILED_PRECONDITION: no keys in data dir {tmp_path}")
    assert list(tmp_path.iterdir()) == []
