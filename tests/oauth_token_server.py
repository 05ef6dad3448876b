"""A Google-style OAuth 2.0 token endpoint on loopback, and a service-account file whose token_uri
points at it, so the upstream engine's Vertex credentials run google-auth's real code: it signs a
JWT assertion with the file's private key, posts it here, and refreshes the token when it expires.
The endpoint checks each assertion's signature (with the key's public half), audience and scope
before it mints a token."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
# google-auth addresses every service-account assertion to Google's token endpoint, wherever the
# file's token_uri sends it.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


class TokenServer:
    def __init__(self, access_token: str, expires_in: int = 3600) -> None:
        """Every token it mints is `access_token` (the remote openreel's key, so the remote accepts it)."""
        self.access_token, self.expires_in = access_token, expires_in
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.minted: list[dict[str, Any]] = []  # the verified claims of each assertion
        self.refused: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.token_uri = f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def __enter__(self) -> TokenServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def write_service_account(self, path: Path, project: str) -> Path:
        pem = self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
        path.write_text(json.dumps({
            "type": "service_account", "project_id": project, "private_key_id": "test-key-1", "private_key": pem,
            "client_email": f"gateway@{project}.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": self.token_uri}))
        return path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                try:
                    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
                    claims = jwt.decode(form["assertion"][0], certs=server.public_pem, audience=GOOGLE_TOKEN_AUDIENCE)
                    assert CLOUD_PLATFORM in claims["scope"].split()
                except Exception as exc:
                    server.refused.append(repr(exc))
                    self._answer(400, {"error": "invalid_grant", "error_description": repr(exc)})
                    return
                server.minted.append(claims)
                self._answer(200, {"access_token": server.access_token, "expires_in": server.expires_in,
                                   "token_type": "Bearer"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
