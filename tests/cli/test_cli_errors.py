"""Every failure the CLI meets ends in one `error: STATUS: message` line on stderr and a documented
exit code, never a traceback; local mode and server mode say the same thing the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.lines import assert_one_line_error
from tests.support import LiveServer, free_port, openreel_cli


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    server = LiveServer(tmp_path_factory.mktemp("errors"))
    key = server.create_key(project="errors")
    server.start()
    yield {"OPENREEL_BASE_URL": server.url, "OPENREEL_API_KEY": key}
    server.stop()


def both_modes(server_env: dict[str, str], code: int, *args: str) -> tuple[str, str]:
    """Run the same generate command locally and against the server; both must exit with `code`
    and one error line, and both lines are returned."""
    local = openreel_cli("generate", *args, env={"OPENREEL_BASE_URL": ""})
    remote = openreel_cli("generate", *args, env=server_env)
    return assert_one_line_error(local, code), assert_one_line_error(remote, code)


def test_unknown_model_exits_4_with_the_same_line_in_both_modes(server_env: dict[str, str], tmp_path: Path) -> None:
    local, remote = both_modes(server_env, 4, "a lake", "--model", "veo-9", "-o", str(tmp_path / "x.mp4"))
    assert local == remote
    assert local.startswith("error: NOT_FOUND: Model 'veo-9' was not found.")


def test_invalid_duration_exits_2_with_the_same_line_in_both_modes(server_env: dict[str, str], tmp_path: Path) -> None:
    local, remote = both_modes(server_env, 2, "a lake", "--duration", "5", "-o", str(tmp_path / "x.mp4"))
    assert local == remote
    assert local.startswith("error: INVALID_ARGUMENT: Invalid value at 'parameters.durationSeconds'")


def test_missing_image_exits_2_naming_the_flag_in_both_modes(server_env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.png"
    local, remote = both_modes(server_env, 2, "a lake", "--image", str(missing), "-o", str(tmp_path / "x.mp4"))
    assert local == remote == f"error: INVALID_ARGUMENT: --image {missing}: no such file or directory"
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(("where", "reason"), [
    ("missing/x.mp4", "folder {tmp}/missing does not exist"),
    ("afile/x.mp4", "{tmp}/afile is not a folder"),
    ("adir", "is a directory"),
])
def test_unwritable_output_exits_2_before_any_work_in_both_modes(server_env: dict[str, str], tmp_path: Path,
                                                                 where: str, reason: str) -> None:
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    out = tmp_path / where
    local, remote = both_modes(server_env, 2, "a lake", "-o", str(out))
    assert local == remote == f"error: INVALID_ARGUMENT: -o {out}: {reason.format(tmp=tmp_path)}"
    listed = openreel_cli("operations", "list", env=server_env)
    assert listed.returncode == 0 and listed.stdout == ""  # nothing was submitted


@pytest.mark.parametrize("args", [["models"], ["operations", "list"], ["operations", "get", "abc"],
                                  ["operations", "cancel", "abc"], ["operations", "wait", "abc"],
                                  ["generate", "a lake", "-o", "{tmp}/x.mp4"]])
def test_server_that_refuses_the_connection_exits_8(tmp_path: Path, args: list[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = openreel_cli(*[a.format(tmp=tmp_path) for a in args], "--server", url, "--api-key", "ork_x")
    line = assert_one_line_error(done, 8)
    assert line.startswith(f"error: UNAVAILABLE: cannot reach the server at {url}: ")
    assert "refused" in line.lower()


def test_server_url_without_a_scheme_exits_2() -> None:
    done = openreel_cli("models", "--server", "localhost:8000", "--api-key", "ork_x")
    assert assert_one_line_error(done, 2) == ("error: INVALID_ARGUMENT: --server localhost:8000: "
                                               "not an http:// or https:// URL")


def test_generate_needs_a_prompt_or_a_prompts_file_but_not_both(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a lake\n")
    assert assert_one_line_error(openreel_cli("generate"), 2) == ("error: INVALID_ARGUMENT: "
                                                                  "give a PROMPT or --prompts-file")
    both = openreel_cli("generate", "a lake", "--prompts-file", str(prompts))
    assert "not both" in assert_one_line_error(both, 2)
    missing = openreel_cli("generate", "--prompts-file", str(tmp_path / "none.txt"))
    assert "--prompts-file" in assert_one_line_error(missing, 2)
    (tmp_path / "blank.txt").write_text("\n  \n")
    blank = openreel_cli("generate", "--prompts-file", str(tmp_path / "blank.txt"))
    assert "no prompts" in assert_one_line_error(blank, 2)
    bad_template = openreel_cli("generate", "--prompts-file", str(prompts), "--output-template", "{name}.mp4")
    assert assert_one_line_error(bad_template, 2).endswith("unknown field {name}; the fields are {index} and {slug}")


@pytest.mark.parametrize("catalog", ["missing.json", "broken.json"])
def test_an_unusable_catalog_file_is_one_line_locally_and_stops_serve(catalog: str, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"models": [{"id": "m", "engine": "procedural", "resolutions": ["8k"]}]}')
    env = {"OPENREEL_BASE_URL": "", "OPENREEL_CATALOG_PATH": str(tmp_path / catalog)}
    line = assert_one_line_error(openreel_cli("generate", "a lake", "-o", str(tmp_path / "x.mp4"), env=env), 2)
    assert line.startswith(f"error: FAILED_PRECONDITION: catalog file {tmp_path / catalog}")
    served = openreel_cli("serve", "--data-dir", str(tmp_path / "data"), "--port", str(free_port()), env=env)
    assert served.returncode == 2 and "Traceback" not in served.stderr
    assert f"refusing to start. catalog file {tmp_path / catalog}" in served.stderr


def test_a_setting_that_does_not_parse_is_one_line(tmp_path: Path) -> None:
    env = {"OPENREEL_BASE_URL": "", "OPENREEL_MAX_IMAGE_BYTES": "abc"}
    line = assert_one_line_error(openreel_cli("generate", "a lake", "-o", str(tmp_path / "x.mp4"), env=env), 2)
    assert "max_image_bytes" in line


@pytest.mark.parametrize(("url", "reason"), [("http://[::1", "not a usable URL (Invalid port: ':1')"),
                                             ("http://", "not a usable URL (no host in it)"),
                                             ("ftp://example.com", "not an http:// or https:// URL")])
@pytest.mark.parametrize("args", [["generate", "a lake", "-o", "{tmp}/x.mp4"], ["models"], ["operations", "get", "abc"]],
                         ids=" ".join)
def test_a_server_url_no_request_can_go_to_exits_2(tmp_path: Path, args: list[str], url: str, reason: str) -> None:
    done = openreel_cli(*[a.format(tmp=tmp_path) for a in args], "--server", url, "--api-key", "ork_x")
    assert assert_one_line_error(done, 2) == f"error: INVALID_ARGUMENT: --server {url}: {reason}"


@pytest.mark.parametrize("args", [["models"], ["operations", "list"], ["operations", "get", "abc"]], ids=" ".join)
def test_an_empty_server_url_is_refused_by_the_commands_that_need_a_server(args: list[str]) -> None:
    flag = openreel_cli(*args, "--server", "", "--api-key", "ork_x")
    env = openreel_cli(*args, "--api-key", "ork_x", env={"OPENREEL_BASE_URL": ""})
    assert assert_one_line_error(flag, 2) == assert_one_line_error(env, 2)
    assert "--server / OPENREEL_BASE_URL is empty, which means local mode" in flag.stderr


def test_an_empty_server_url_means_local_mode_for_generate(tmp_path: Path) -> None:
    """OPENREEL_BASE_URL names a dead server, so only local mode gets as far as refusing 9 samples."""
    args = ("generate", "a lake", "--samples", "9", "-o", str(tmp_path / "x.mp4"))
    flag = openreel_cli(*args, "--server", "", env={"OPENREEL_BASE_URL": "http://127.0.0.1:1"})
    env = openreel_cli(*args, env={"OPENREEL_BASE_URL": ""})
    assert assert_one_line_error(flag, 2) == assert_one_line_error(env, 2)
    assert "parameters.sampleCount" in flag.stderr


def test_zero_samples_is_refused_in_both_modes(server_env: dict[str, str], tmp_path: Path) -> None:
    local, remote = both_modes(server_env, 2, "a lake", "--samples", "0", "-o", str(tmp_path / "x.mp4"))
    assert local == remote == ("error: INVALID_ARGUMENT: Invalid value at 'parameters.sampleCount': "
                               "must be between 1 and 4")
    assert not list(tmp_path.iterdir())


def test_an_empty_model_exits_2_naming_the_flag_in_both_modes(server_env: dict[str, str], tmp_path: Path) -> None:
    local, remote = both_modes(server_env, 2, "a lake", "--model", "", "-o", str(tmp_path / "x.mp4"))
    assert local == remote == ("error: INVALID_ARGUMENT: --model is empty: give a model id "
                               "(`openreel models` lists a server's)")


@pytest.mark.parametrize("model", ["../../etc", "a?b", "x#y", "%2e%2e%2f"])
def test_a_model_id_that_is_no_path_segment_is_not_found_in_both_modes(server_env: dict[str, str], tmp_path: Path,
                                                                       model: str) -> None:
    local, remote = both_modes(server_env, 4, "a lake", "--model", model, "-o", str(tmp_path / "x.mp4"))
    assert local.startswith(f"error: NOT_FOUND: Model '{model}' was not found")
    assert remote.startswith(f"error: NOT_FOUND: Model '{model}' was not found")


@pytest.mark.parametrize("name", ["?key=x", "#frag", "%2e%2e%2f", "..", "models/m/operations/?x"])
@pytest.mark.parametrize("command", ["get", "cancel", "wait"])
def test_an_operation_name_is_one_path_segment_on_the_server(server_env: dict[str, str], command: str,
                                                              name: str) -> None:
    done = openreel_cli("operations", command, name, env=server_env)
    op_id = name.rsplit("/", 1)[-1]
    assert assert_one_line_error(done, 4) == f"error: NOT_FOUND: Operation '{op_id}' was not found."


@pytest.mark.parametrize("name", ["", "/", " "])
@pytest.mark.parametrize("command", ["get", "cancel", "wait"])
def test_an_empty_operation_name_exits_2_naming_the_argument(command: str, name: str) -> None:
    done = openreel_cli("operations", command, name, "--server", f"http://127.0.0.1:{free_port()}")
    assert assert_one_line_error(done, 2) == (f"error: INVALID_ARGUMENT: NAME {name!r} names no operation: "
                                              "give an operation's name or id")


def test_an_operation_name_too_long_for_a_url_is_not_blamed_on_the_server() -> None:
    done = openreel_cli("operations", "get", "a" * 100_000, "--server", f"http://127.0.0.1:{free_port()}")
    line = assert_one_line_error(done, 2)
    assert line == "error: INVALID_ARGUMENT: cannot make a request URL from these arguments: URL too long"


@pytest.mark.parametrize("args", [["generate", "a lake", "--parallel", "0"], ["generate", "a lake", "--parallel", "-1"],
                                  ["operations", "list", "--limit", "0"], ["operations", "list", "--limit", "-1"]],
                         ids=" ".join)
def test_counts_below_one_are_usage_errors(args: list[str]) -> None:
    done = openreel_cli(*args, "--server", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"Invalid value for '{args[-2]}'" in done.stderr
