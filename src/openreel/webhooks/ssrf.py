"""Keep webhook deliveries away from internal addresses (server-side request forgery).

Two gates, because a name's addresses can change between them (DNS rebinding):

- `AddressPolicy.check_url` when a webhook is registered: syntax, then the host's current
  addresses, so that a bad URL is refused at once with a reason;
- `guarded_client`, the real guard: its connections resolve the host themselves, check every
  address and connect to a checked one, so the address judged is the address used.

Errors:

    ValueError
    └── BlockedAddress              the address is internal and not allowlisted
        └── BlockedConnection       the same, met while connecting; also an httpcore.ConnectError,
                                    so httpx raises httpx.ConnectError with it as __cause__
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import httpcore
import httpx

from openreel.webhooks.deadline import DeadlineBackend

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Sequence[IPAddress]]

# First match wins, so the exact addresses come before the ranges that contain them.
_IPV4_RANGES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(cidr), category)
    for cidr, category in (
        ("0.0.0.0/32", "unspecified"),
        ("255.255.255.255/32", "broadcast"),
        ("127.0.0.0/8", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("169.254.0.0/16", "link-local"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("224.0.0.0/4", "multicast"),
        ("0.0.0.0/8", "reserved"),
        ("192.0.0.0/24", "reserved"),
        ("192.88.99.0/24", "reserved"),
        ("240.0.0.0/4", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("198.18.0.0/15", "benchmarking"),
    )
)
# :: and ::1 lie inside the IPv4-compatible range ::/96 and must be named before it is unwrapped.
_IPV6_SPECIAL = {IPv6Address("::"): "unspecified", IPv6Address("::1"): "loopback"}
_IPV6_RANGES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(cidr), category)
    for cidr, category in (
        # Where the IPv4 sits inside a local-use NAT64 address depends on the operator's prefix
        # length (RFC 6052), so it cannot be read back reliably; the prefix is local by definition.
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("fc00::/7", "private"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
        ("100::/64", "reserved"),
        ("5f00::/16", "reserved"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("2001:2::/48", "benchmarking"),
    )
)
_NAT64 = IPv6Network("64:ff9b::/96")
_IPV4_TRANSLATED = IPv6Network("::ffff:0:0:0/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")


class BlockedAddress(ValueError):
    """`host` resolved to `address`, which is internal (`category`, e.g. "loopback"). For an IPv6
    form that carries an IPv4 address, `embedded` is that address and `category` is its category."""

    def __init__(self, host: str, address: IPAddress, category: str, embedded: IPv4Address | None = None) -> None:
        self.host, self.address, self.category, self.embedded = host, address, category, embedded
        subject = str(address) if _same_address(host, address) else f"{host} ({address})"
        kind = f"{'an' if category[0] in 'aeiou' else 'a'} {category} address"
        if embedded is None:
            super().__init__(f"{subject} is {kind}")
        else:
            super().__init__(f"{subject} embeds {embedded}, {kind}")


class BlockedConnection(httpcore.ConnectError, BlockedAddress):
    """A refused connection: httpx turns it into httpx.ConnectError, keeping this as the cause."""

    def __init__(self, blocked: BlockedAddress) -> None:
        BlockedAddress.__init__(self, blocked.host, blocked.address, blocked.category, blocked.embedded)


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """The host's TCP addresses in resolver order, without repeats. Raises OSError (socket.gaierror)."""
    found = (ip_address(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    return list(dict.fromkeys(found))


class AddressPolicy:
    """Which addresses webhooks may reach: any public one, plus what `allowlist` names.

    `allowlist` is comma-separated host names (matched exactly, case-insensitively: "localhost",
    "hooks.internal") and IP addresses or CIDRs ("10.0.0.0/8", "::1"); empty by default. Raises
    ValueError for an entry that is neither. `resolve` exists so tests can control DNS.
    """

    def __init__(self, allowlist: str = "", resolve: Resolver = resolve_host) -> None:
        self.resolve = resolve
        self._hosts: set[str] = set()
        self._networks: list[IPv4Network | IPv6Network] = []
        for entry in (part.strip() for part in allowlist.split(",")):
            if not entry:
                continue
            try:
                self._networks.append(ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if "/" in entry or not _looks_like_host_name(entry):
                    raise ValueError(f"webhook allowlist entry {entry!r} is neither a host name nor a CIDR") from None
                self._hosts.add(_normal_host(entry))

    def is_allowlisted_host(self, host: str) -> bool:
        return _normal_host(host) in self._hosts

    def check_address(self, host: str, ip: IPAddress) -> None:
        """Return if `host` may be reached at `ip`; raise BlockedAddress if not."""
        verdict = classify(ip)
        if verdict is None or self.is_allowlisted_host(host):
            return
        category, embedded = verdict
        if any(_in_network(candidate, self._networks) for candidate in (ip, embedded) if candidate is not None):
            return
        raise BlockedAddress(host, ip, category, embedded)

    def check_url(self, url: str) -> None:
        """Refuse, with a ValueError saying why, a URL that is not `http(s)://host[:port]/...`
        without credentials, whose host does not resolve now, or that resolves to any blocked
        address (BlockedAddress). Deliveries are checked again when they connect."""
        try:
            parsed = httpx.URL(url)  # the parser the client will use, so both read the same host
        except httpx.InvalidURL as exc:
            raise ValueError(f"not a valid URL: {exc}") from None
        if parsed.scheme not in ("http", "https"):
            raise ValueError(f"the URL must start with http:// or https://, not {parsed.scheme or 'nothing'}")
        if not parsed.raw_host:
            raise ValueError("the URL has no host")
        if parsed.userinfo:
            raise ValueError("the URL must not contain a user name or password")
        port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
        if not 1 <= port <= 65535:
            raise ValueError(f"the URL's port must be between 1 and 65535, not {port}")
        host = parsed.raw_host.decode("ascii")
        if not (_looks_like_host_name(host) or _is_ip_literal(host)):
            raise ValueError(f"the URL's host {host!r} is not a valid host name")
        if self.is_allowlisted_host(host):
            return
        try:
            addresses = self.resolve(host, port)
        except OSError as exc:
            raise ValueError(f"cannot resolve host {host!r}: {exc.strerror or exc}") from None
        for ip in addresses:
            self.check_address(host, ip)


def classify(ip: IPAddress) -> tuple[str, IPv4Address | None] | None:
    """None for a public address, else (category, embedded IPv4 address the verdict is about, if any)."""
    if isinstance(ip, IPv4Address):
        category = _ipv4_category(ip)
        return None if category is None else (category, None)
    special = _IPV6_SPECIAL.get(IPv6Address(int(ip)))  # int() drops a zone such as "%lo"
    if special is not None:
        return special, None
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        category = _ipv4_category(embedded)
        return None if category is None else (category, embedded)
    for network, category in _IPV6_RANGES:
        if ip in network:
            return category, None
    return None if ip.is_global else ("non-global", None)


def _ipv4_category(ip: IPv4Address) -> str | None:
    for network, category in _IPV4_RANGES:
        if ip in network:
            return category
    # The stdlib's registry tables catch whatever IANA reserves beyond the ranges named above.
    return None if ip.is_global else "non-global"


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64 or 6to4 form.
    Each of these reaches that IPv4 host, so it is judged in its place."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in network for network in (_NAT64, _IPV4_TRANSLATED, _IPV4_COMPATIBLE)):
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _in_network(ip: IPAddress, networks: Iterable[IPv4Network | IPv6Network]) -> bool:
    return any(ip.version == network.version and ip in network for network in networks)


def _normal_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _looks_like_host_name(entry: str) -> bool:
    return all(label and all(c.isalnum() or c in "-_" for c in label) for label in entry.rstrip(".").split("."))


def _is_ip_literal(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def _same_address(host: str, ip: IPAddress) -> bool:
    try:
        return ip_address(host.strip("[]")) == ip
    except ValueError:
        return False


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, except that each TCP connection goes to an address the policy has
    checked. TLS is unaffected: httpcore takes the SNI and certificate name from the URL's host."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.NetworkBackend | None = None) -> None:
        self._policy = policy
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if self._policy.is_allowlisted_host(host):
            return self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = self._policy.resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc  # httpcore's own shape for a failed lookup
        try:
            # Every address must pass, as in check_url: a name that answers with a mix of public
            # and internal addresses is refused rather than half-trusted.
            for ip in addresses:
                self._policy.check_address(host, ip)
        except BlockedAddress as blocked:
            raise BlockedConnection(blocked) from blocked
        failure: Exception = httpcore.ConnectError(f"{host} has no addresses")
        for ip in addresses:
            try:
                return self._inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are delivered over TCP only")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: AddressPolicy, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context)
        # HTTPTransport takes no network backend, so its pool is replaced by one that has ours;
        # handle_request() (the httpx <-> httpcore translation and error mapping) stays httpx's.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=DeadlineBackend(GuardedBackend(policy)),
        )


def guarded_client(policy: AddressPolicy, timeout: float, *, ssl_context: ssl.SSLContext | None = None) -> httpx.Client:
    """An httpx client for deliveries: connects only where `policy` allows (a refusal raises
    httpx.ConnectError whose __cause__ is a BlockedAddress), never follows redirects, ignores proxy
    and netrc environment settings (a proxy would connect on our behalf, unchecked) and verifies TLS
    certificates (against `ssl_context` if given, e.g. a private CA, else httpx's defaults)."""
    transport = _GuardedTransport(policy, ssl_context or httpx.create_ssl_context())
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
