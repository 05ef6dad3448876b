from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address

import httpx
import pytest
import trustme
from standardwebhooks import Webhook

from openreel.webhooks.sender import MAX_RETRY_AFTER, DeliveryOutcome, parse_retry_after, send
from openreel.webhooks.signing import new_message_id, new_signing_secret, signed_headers
from openreel.webhooks.ssrf import AddressPolicy, IPAddress, guarded_client
from tests.support import free_port

BODY = json.dumps({"type": "operation.completed", "note": "ünïcode"}, ensure_ascii=False).encode()


@dataclass
class Receiver:
    """What the test receiver answers, and what it was sent."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok":true}'
    stall: bool = False  # wait (until teardown) before answering
    endless_body: bool = False  # announce 100 MB and write until the client hangs up
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    bytes_written: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if receiver.stall:
                receiver.release.wait(10)
            self.send_response(receiver.status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            if receiver.endless_body:
                self.send_header("Content-Length", str(100 * 1024 * 1024))
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    while receiver.bytes_written < 100 * 1024 * 1024:
                        self.wfile.write(chunk)
                        receiver.bytes_written += len(chunk)
                except OSError:
                    pass
                return
            self.send_header("Content-Length", str(len(receiver.body)))
            self.end_headers()
            self.wfile.write(receiver.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(receiver: Receiver, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with guarded_client(AddressPolicy("127.0.0.1"), timeout=5) as guarded:
        yield guarded


def test_2xx_is_ok_and_receiver_gets_json_with_verifiable_signature(client: httpx.Client) -> None:
    secret = new_signing_secret()
    headers = signed_headers([secret], new_message_id(), datetime.now(timezone.utc), BODY)
    with serving(Receiver()) as receiver:
        outcome = send(client, receiver.url, BODY, headers)
    assert outcome == DeliveryOutcome(True, 200, None, outcome.duration_ms, None)
    [(path, got_headers, got_body)] = receiver.requests
    assert (path, got_body) == ("/hook", BODY)
    assert got_headers["content-type"] == "application/json"
    Webhook(secret).verify(got_body, got_headers)


@pytest.mark.parametrize("status", [201, 202, 204])
def test_every_2xx_is_ok(client: httpx.Client, status: int) -> None:
    with serving(Receiver(status=status, body=b"")) as receiver:
        outcome = send(client, receiver.url, BODY, {})
    assert (outcome.ok, outcome.status_code, outcome.error) == (True, status, None)


@pytest.mark.parametrize(("status", "error"), [(500, "HTTP 500"), (410, "HTTP 410"), (400, "HTTP 400"),
                                               (302, "HTTP 302 (redirects are not followed)")])
def test_other_statuses_fail_with_the_status_as_error(client: httpx.Client, status: int, error: str) -> None:
    with serving(Receiver(status=status, headers={"Location": "http://127.0.0.1:1/elsewhere"})) as receiver:
        outcome = send(client, receiver.url, BODY, {})
    assert (outcome.ok, outcome.status_code, outcome.error, outcome.retry_after) == (False, status, error, None)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_on_429_and_503(client: httpx.Client, status: int) -> None:
    with serving(Receiver(status=status, headers={"Retry-After": "7"})) as receiver:
        outcome = send(client, receiver.url, BODY, {})
    assert (outcome.ok, outcome.status_code, outcome.retry_after) == (False, status, timedelta(seconds=7))


def test_retry_after_as_http_date(client: httpx.Client) -> None:
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    with serving(Receiver(status=503, headers={"Retry-After": later})) as receiver:
        outcome = send(client, receiver.url, BODY, {})
    assert outcome.retry_after is not None
    assert timedelta(seconds=110) <= outcome.retry_after <= timedelta(seconds=120)


def test_retry_after_is_ignored_on_other_statuses(client: httpx.Client) -> None:
    with serving(Receiver(status=500, headers={"Retry-After": "7"})) as receiver:
        assert send(client, receiver.url, BODY, {}).retry_after is None


NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", timedelta(seconds=7)),
        (" 0 ", timedelta(0)),
        ("999999999", MAX_RETRY_AFTER),
        ("Sun, 01 Mar 2026 12:00:30 GMT", timedelta(seconds=30)),
        ("Sun, 01 Mar 2026 11:00:00 GMT", timedelta(0)),  # in the past: now
        ("Sun, 01 Mar 2026 12:00:30 -0000", timedelta(seconds=30)),
        ("Fri, 01 Mar 2030 12:00:00 GMT", MAX_RETRY_AFTER),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
    ],
)
def test_parse_retry_after(value: str, expected: timedelta | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_connection_refused() -> None:
    with guarded_client(AddressPolicy("127.0.0.1"), timeout=5) as client:
        outcome = send(client, f"http://127.0.0.1:{free_port()}/hook", BODY, {})
    assert outcome == DeliveryOutcome(False, None, "connection refused", outcome.duration_ms)


def test_timeout_when_receiver_answers_too_late() -> None:
    with guarded_client(AddressPolicy("127.0.0.1"), timeout=0.3) as client, serving(Receiver(stall=True)) as receiver:
        outcome = send(client, receiver.url, BODY, {})
    # The receiver answers only after 10 s: "timed out" is the 0.3 s read timeout firing.
    assert (outcome.ok, outcome.status_code, outcome.error) == (False, None, "timed out")
    assert outcome.duration_ms >= 250  # it waited for the timeout, not failed at once


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_blocked_address_is_reported_and_never_contacted(host: str) -> None:
    with guarded_client(AddressPolicy(""), timeout=5) as client, serving(Receiver(), host=host) as receiver:
        outcome = send(client, receiver.url, BODY, {})
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and outcome.error.startswith("blocked: ")
    assert "loopback address" in outcome.error
    if host == "127.0.0.1":
        assert outcome.error == "blocked: 127.0.0.1 is a loopback address"
    assert receiver.requests == []


def test_unresolvable_host_is_reported() -> None:
    def unknown(host: str, port: int) -> list[IPAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with guarded_client(AddressPolicy("", resolve=unknown), timeout=5) as client:
        outcome = send(client, "http://nowhere.example/hook", BODY, {})
    assert (outcome.ok, outcome.status_code, outcome.error) == (False, None, "cannot resolve host")


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/x", "http://[::1/"])
def test_invalid_url_is_an_outcome_not_an_exception(client: httpx.Client, url: str) -> None:
    outcome = send(client, url, BODY, {})
    assert (outcome.ok, outcome.error) == (False, "invalid URL")


def test_error_never_contains_secret_signature_or_url_token() -> None:
    secret = new_signing_secret()
    headers = signed_headers([secret], new_message_id(), datetime.now(timezone.utc), BODY)
    signature = headers["webhook-signature"]
    errors = []
    for allowlist, url in (("", "http://127.0.0.1:9/hook?token=s3cr3t"),
                           ("127.0.0.1", f"http://127.0.0.1:{free_port()}/hook?token=s3cr3t")):
        with guarded_client(AddressPolicy(allowlist), timeout=5) as client:
            errors.append(send(client, url, BODY, headers).error)
    with guarded_client(AddressPolicy("127.0.0.1"), timeout=5) as client, serving(Receiver(status=500)) as receiver:
        errors.append(send(client, receiver.url + "?token=s3cr3t", BODY, headers).error)
    assert errors == ["blocked: 127.0.0.1 is a loopback address", "connection refused", "HTTP 500"]
    for error in errors:
        assert error is not None
        assert secret not in error and signature not in error and "s3cr3t" not in error


def test_reads_only_a_little_of_a_huge_response(client: httpx.Client) -> None:
    with serving(Receiver(endless_body=True)) as receiver:
        outcome = send(client, receiver.url, BODY, {})
        time.sleep(0.2)
    assert outcome.ok
    assert receiver.bytes_written < 30 * 1024 * 1024


def test_caller_headers_are_sent_and_may_override_content_type(client: httpx.Client) -> None:
    with serving(Receiver()) as receiver:
        send(client, receiver.url, BODY, {"content-type": "application/cloudevents+json", "User-Agent": "openreel"})
    [(_, got, _)] = receiver.requests
    assert got["content-type"] == "application/cloudevents+json"
    assert got["user-agent"] == "openreel"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server_context(ca: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


def _hooks_test_policy() -> AddressPolicy:
    def resolve(host: str, port: int) -> list[IPAddress]:
        if host != "hooks.test":
            raise OSError(-2, "Name or service not known")
        return [IPv4Address("127.0.0.1")]

    return AddressPolicy("127.0.0.1", resolve=resolve)


def test_tls_checks_the_certificate_against_the_host_name_not_the_ip(ca: trustme.CA) -> None:
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with serving(Receiver(), tls=_tls_server_context(ca, "hooks.test"), host="hooks.test") as receiver:
        with guarded_client(_hooks_test_policy(), timeout=5, ssl_context=trust) as client:
            outcome = send(client, receiver.url, BODY, {})
    assert (outcome.ok, outcome.status_code) == (True, 200)


def test_tls_certificate_for_another_name_fails(ca: trustme.CA) -> None:
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with serving(Receiver(), tls=_tls_server_context(ca, "other.test"), host="hooks.test") as receiver:
        with guarded_client(_hooks_test_policy(), timeout=5, ssl_context=trust) as client:
            outcome = send(client, receiver.url, BODY, {})
    assert (outcome.ok, outcome.error) == (False, "TLS certificate not trusted")
    assert receiver.requests == []


def test_tls_is_verified_by_default(ca: trustme.CA) -> None:
    with serving(Receiver(), tls=_tls_server_context(ca, "hooks.test"), host="hooks.test") as receiver:
        with guarded_client(_hooks_test_policy(), timeout=5) as client:
            outcome = send(client, receiver.url, BODY, {})
    assert (outcome.ok, outcome.error) == (False, "TLS certificate not trusted")


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_attempts_deadline() -> None:
    # Each header line arrives well within the 1 s read timeout, so only a whole-attempt
    # deadline stops it: without one, this receiver would hold the sending thread for a minute.
    class Trickle(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(60):
                try:
                    self.wfile.write(f"X-Slow-{i}: 1\r\n".encode())
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.5)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with guarded_client(AddressPolicy("127.0.0.1"), timeout=1.0) as client:
            outcome = send(client, f"http://127.0.0.1:{server.server_address[1]}/hook", BODY, {},
                           deadline_seconds=2.0)
    finally:
        server.shutdown()
        server.server_close()
    # Without the deadline no read waits past 1 s, and the attempt ends only after 30 s, when the
    # receiver hangs up mid-headers (a protocol error): "timed out" is the whole-attempt deadline.
    assert (outcome.ok, outcome.error) == (False, "timed out")


def test_a_retry_after_too_large_for_a_timedelta_is_clamped() -> None:
    assert parse_retry_after("9" * 30, NOW) == timedelta(hours=1)
