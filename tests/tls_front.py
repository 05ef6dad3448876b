"""A TLS front for a live server, as a deployment puts nginx or a load balancer in front of
openreel: it terminates HTTPS with a certificate from a throwaway CA (trustme) and forwards the
plain bytes to the server's port."""

from __future__ import annotations

import asyncio
import ssl
import threading
from pathlib import Path
from types import TracebackType

import trustme

from tests.support import free_port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


class TlsFront:
    """https://127.0.0.1:PORT in front of http://127.0.0.1:backend_port. `ca_path` is the PEM
    file clients trust (curl --cacert, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS)."""

    def __init__(self, backend_port: int, directory: Path) -> None:
        self.backend_port = backend_port
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        ca = trustme.CA()
        self.ca_path = directory / "front-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._context)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _forward(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        await asyncio.gather(_pipe(client_reader, backend_writer), _pipe(backend_reader, client_writer))

    def __enter__(self) -> TlsFront:
        self._thread.start()
        start = asyncio.start_server(self._forward, "127.0.0.1", self.port, ssl=self._context)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(timeout=10)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
