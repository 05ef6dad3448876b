from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address

import httpx
import pytest

from openreel.webhooks.ssrf import AddressPolicy, BlockedAddress, IPAddress, Resolver, classify, guarded_client
from tests.client.canned_server import Answer, RunningServer, canned_server
from tests.support import free_port

BLOCKED = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "reserved"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", "broadcast"),
    ("240.0.0.1", "reserved"),
    ("192.0.2.1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("100::1", "reserved"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:0:10.0.0.1", "private"),  # IPv4-translated (SIIT)
    ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ("64:ff9b::7f00:1", "loopback"),
    ("64:ff9b:1::a9fe:a9fe", "local-use NAT64"),
    ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::", "link-local"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "non-global"),  # Teredo
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
           "2002:808:808::1"]


@pytest.mark.parametrize(("address", "category"), BLOCKED)
def test_internal_address_is_blocked_with_its_category(address: str, category: str) -> None:
    ip = ip_address(address)
    with pytest.raises(BlockedAddress) as caught:
        AddressPolicy("").check_address("hooks.example", ip)
    assert caught.value.category == category
    assert caught.value.address == ip
    assert f"hooks.example ({ip})" in str(caught.value)
    assert category in str(caught.value)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_address_is_allowed(address: str) -> None:
    AddressPolicy("").check_address("hooks.example", ip_address(address))
    assert classify(ip_address(address)) is None


def test_message_names_the_address_and_category_plainly() -> None:
    with pytest.raises(BlockedAddress, match=r"^127\.0\.0\.1 is a loopback address$"):
        AddressPolicy().check_address("127.0.0.1", IPv4Address("127.0.0.1"))
    with pytest.raises(BlockedAddress, match=r"^localhost \(::1\) is a loopback address$"):
        AddressPolicy().check_address("localhost", IPv6Address("::1"))
    with pytest.raises(BlockedAddress, match=r"embeds 169\.254\.169\.254, a link-local address"):
        AddressPolicy().check_address("x.example", IPv6Address("64:ff9b::a9fe:a9fe"))
    with pytest.raises(BlockedAddress, match="an unspecified address"):
        AddressPolicy().check_address("0.0.0.0", IPv4Address("0.0.0.0"))


def test_blocked_address_is_a_value_error() -> None:
    assert issubclass(BlockedAddress, ValueError)


@pytest.mark.parametrize(
    ("allowlist", "host", "address"),
    [
        ("10.0.0.0/8", "hooks.internal", "10.9.8.7"),
        ("10.0.0.0/8", "hooks.internal", "::ffff:10.9.8.7"),  # the embedded form of an allowed address
        ("192.168.1.5", "nas.lan", "192.168.1.5"),
        ("fd00::/8", "v6.internal", "fd00::5"),
        ("[::1]", "localhost", "::1"),
        (" hooks.internal , 172.16.0.0/12", "Hooks.Internal.", "10.0.0.1"),  # by name: any address
        ("172.16.0.0/12, hooks.internal", "other", "172.20.0.1"),
    ],
)
def test_allowlist_admits_hosts_and_cidrs(allowlist: str, host: str, address: str) -> None:
    AddressPolicy(allowlist).check_address(host, ip_address(address))


@pytest.mark.parametrize(
    ("allowlist", "host", "address"),
    [
        ("10.0.0.0/8", "hooks.internal", "192.168.0.1"),
        ("hooks.internal", "evil.internal", "10.0.0.1"),
        ("hooks.internal", "hooks.internal.evil.example", "10.0.0.1"),
        ("127.0.0.1", "localhost", "::1"),
    ],
)
def test_allowlist_admits_nothing_else(allowlist: str, host: str, address: str) -> None:
    with pytest.raises(BlockedAddress):
        AddressPolicy(allowlist).check_address(host, ip_address(address))


@pytest.mark.parametrize("allowlist", ["10.0.0.0/33", "not a host", "*.example.com", "http://x"])
def test_malformed_allowlist_is_refused_at_start(allowlist: str) -> None:
    with pytest.raises(ValueError, match="allowlist entry"):
        AddressPolicy(allowlist)


def _resolver(table: dict[str, list[str]]) -> tuple[list[str], Resolver]:
    """A resolver that knows only `table`, and the hosts it was asked for."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> Sequence[IPAddress]:
        calls.append(host)
        if host not in table:
            raise OSError(-2, "Name or service not known")
        return [ip_address(a) for a in table[host]]

    return calls, resolve


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example/x", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("hooks.example/x", "http:// or https://"),
        ("http:///x", "no host"),
        ("https://user:pw@hooks.example/", "user name or password"),
        ("https://token@hooks.example/", "user name or password"),
        ("http://hooks.example:0/", "between 1 and 65535"),
        ("http://hooks.example:70000/", "between 1 and 65535"),
        ("http://hooks .example/", "not a valid host name"),
        ("http://exa_mple/", "cannot resolve host"),
        ("http://[::1/", "not a valid URL"),
        ("http://nowhere.example/", "cannot resolve host 'nowhere.example'"),
        ("http://internal.example/", "internal.example (10.0.0.7) is a private address"),
        ("http://mixed.example/", "a loopback address"),
        ("http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:7f00:1]/", "embeds 127.0.0.1"),
    ],
)
def test_check_url_refuses_with_a_clear_reason(url: str, reason: str) -> None:
    _, resolve = _resolver({"hooks.example": ["93.184.216.34"], "internal.example": ["10.0.0.7"],
                            "mixed.example": ["93.184.216.34", "127.0.0.1"],
                            "127.0.0.1": ["127.0.0.1"], "::ffff:7f00:1": ["::ffff:7f00:1"]})
    with pytest.raises(ValueError, match=re.escape(reason)):
        AddressPolicy("", resolve=resolve).check_url(url)


@pytest.mark.parametrize("url", ["https://hooks.example/webhook", "http://hooks.example:8080/a?b=c",
                                 "HTTPS://HOOKS.EXAMPLE./x"])
def test_check_url_accepts_public_http_and_https(url: str) -> None:
    calls, resolve = _resolver({"hooks.example": ["93.184.216.34", "2606:4700:4700::1111"],
                                "hooks.example.": ["93.184.216.34"]})
    AddressPolicy("", resolve=resolve).check_url(url)
    assert calls


def test_check_url_skips_resolution_for_allowlisted_host_name() -> None:
    calls, resolve = _resolver({})
    AddressPolicy("receiver.internal", resolve=resolve).check_url("http://receiver.internal:9000/hook")
    assert calls == []


def test_check_url_with_real_resolver_refuses_localhost() -> None:
    with pytest.raises(BlockedAddress, match="loopback"):
        AddressPolicy("").check_url("http://localhost/hook")


@pytest.fixture
def receiver() -> Iterator[RunningServer]:
    with canned_server(Answer('{"ok": true}')) as running:
        yield running


def _port(server: RunningServer) -> int:
    return httpx.URL(server.url).port or 80


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_guarded_client_refuses_to_connect_to_loopback(receiver: RunningServer, host: str) -> None:
    with guarded_client(AddressPolicy(""), timeout=5) as client, pytest.raises(httpx.ConnectError) as caught:
        client.post(f"http://{host}:{_port(receiver)}/hook", content=b"{}")
    assert isinstance(caught.value.__cause__, BlockedAddress)
    assert caught.value.__cause__.category == "loopback"
    assert "loopback" in str(caught.value)
    assert receiver.paths == []


@pytest.mark.parametrize(("allowlist", "host"), [("127.0.0.1", "127.0.0.1"), ("localhost", "localhost"),
                                                 ("127.0.0.0/8", "127.0.0.1")])
def test_guarded_client_reaches_allowlisted_receiver(receiver: RunningServer, allowlist: str, host: str) -> None:
    with guarded_client(AddressPolicy(allowlist), timeout=5) as client:
        response = client.post(f"http://{host}:{_port(receiver)}/hook", content=b"{}")
    assert response.status_code == 200
    assert receiver.paths == ["/hook"]


def test_guarded_client_connects_to_the_address_it_checked(receiver: RunningServer) -> None:
    # "hooks.test" exists only in this resolver: the request can arrive only if the connection
    # went to the resolved and checked address, with the name kept for the Host header.
    calls, resolve = _resolver({"hooks.test": ["127.0.0.1"]})
    with guarded_client(AddressPolicy("127.0.0.1", resolve=resolve), timeout=5) as client:
        response = client.post(f"http://hooks.test:{_port(receiver)}/hook", content=b"{}")
    assert response.status_code == 200
    assert calls == ["hooks.test"]


def test_connect_time_check_catches_dns_rebinding_that_creation_check_passed(receiver: RunningServer) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when registered, loopback when delivered

    def rebinding(host: str, port: int) -> Sequence[IPAddress]:
        return [ip_address(a) for a in next(answers)]

    policy = AddressPolicy("", resolve=rebinding)
    url = f"http://rebind.example:{_port(receiver)}/hook"
    policy.check_url(url)
    with guarded_client(policy, timeout=5) as client, pytest.raises(httpx.ConnectError) as caught:
        client.post(url, content=b"{}")
    assert isinstance(caught.value.__cause__, BlockedAddress)
    assert str(caught.value) == "rebind.example (127.0.0.1) is a loopback address"
    assert receiver.paths == []


def test_guarded_client_refuses_a_name_with_any_internal_address(receiver: RunningServer) -> None:
    _, resolve = _resolver({"mixed.example": ["127.0.0.1", "93.184.216.34"]})
    with guarded_client(AddressPolicy("", resolve=resolve), timeout=5) as client, pytest.raises(httpx.ConnectError):
        client.post(f"http://mixed.example:{_port(receiver)}/hook", content=b"{}")
    assert receiver.paths == []


def test_guarded_client_reports_unresolvable_host_as_connect_error() -> None:
    _, resolve = _resolver({})
    with guarded_client(AddressPolicy("", resolve=resolve), timeout=5) as client, pytest.raises(httpx.ConnectError):
        client.post("http://nowhere.example/hook", content=b"{}")


def test_guarded_client_tries_the_next_checked_address_when_one_refuses(receiver: RunningServer) -> None:
    # The receiver listens on 127.0.0.1 only, so 127.0.0.2 refuses the connection.
    _, resolve = _resolver({"two.test": ["127.0.0.2", "127.0.0.1"]})
    with guarded_client(AddressPolicy("127.0.0.0/8", resolve=resolve), timeout=5) as client:
        response = client.post(f"http://two.test:{_port(receiver)}/hook", content=b"{}")
    assert response.status_code == 200


def test_guarded_client_does_not_follow_redirects() -> None:
    with canned_server(Answer("", status=302)) as running:
        with guarded_client(AddressPolicy("127.0.0.1"), timeout=5) as client:
            response = client.post(f"{running.url}/hook", content=b"{}")
        assert response.status_code == 302
        assert running.paths == ["/hook"]


def test_guarded_client_ignores_proxy_environment(receiver: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{free_port()}")
    with guarded_client(AddressPolicy("127.0.0.1"), timeout=5) as client:
        assert client.post(f"{receiver.url}/hook", content=b"{}").status_code == 200
