"""Vertex OAuth tokens through google-auth's real code against a loopback token endpoint: a token
endpoint that cannot be reached is a wait-and-retry (like a remote's 503: the operation keeps its
remote job and polls again), a refused grant is an operator's mistake that names the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from openreel.engines.upstream.credentials import credentials_for
from openreel.engines.upstream.options import UpstreamOptions
from openreel.engines.upstream.remote import RemoteApi, RemoteError
from openreel.engines.upstream.wire import Routes
from openreel.errors import FailedPrecondition
from tests.oauth_token_server import TokenServer

def _api(account: Path) -> RemoteApi:
    options = UpstreamOptions.parse({"surface": "vertex", "project": "p", "credentials_file": str(account),
                                     "remote_model": "veo-3.1-generate-001", "base_url": "http://127.0.0.1:9"})
    return RemoteApi(Routes(options), credentials_for(options), timeout_seconds=5, max_answer_bytes=1 << 20,
                     max_video_bytes=1 << 20)


def test_an_unreachable_token_endpoint_is_retried_later_not_a_failure(tmp_path: Path) -> None:
    with TokenServer("token") as tokens:
        account = tokens.write_service_account(tmp_path / "account.json", "p")
    # The endpoint has stopped: no token can be minted right now.
    with pytest.raises(RemoteError) as caught:
        _api(account).poll("projects/p/locations/us-central1/publishers/google/models/m/operations/1")
    assert caught.value.retryable and caught.value.status == "UNAVAILABLE"
    assert "token endpoint" in caught.value.message and "PRIVATE KEY" not in caught.value.message


def test_a_refused_grant_names_the_setting_and_is_not_retried(tmp_path: Path) -> None:
    with TokenServer("token") as tokens, TokenServer("other") as impostor:
        # A service-account file whose key the endpoint does not know signs assertions it refuses.
        account = impostor.write_service_account(tmp_path / "account.json", "p")
        text = account.read_text().replace(impostor.token_uri, tokens.token_uri)
        account.write_text(text)
        with pytest.raises(FailedPrecondition) as caught:
            _api(account).poll("projects/p/locations/us-central1/publishers/google/models/m/operations/1")
        assert tokens.refused and not tokens.minted
    assert caught.value.message.startswith(f"credentials_file {account}: no access token could be minted")
