"""HTTP for the client (httpx), sync and async: auth headers, error mapping (responses.py), and
retries with exponential backoff and jitter on 429/502/503 that honour the server's RetryInfo.

Every POST carries an Idempotency-Key, the same on each of its retries: when a create call's answer
is lost (a timeout, a 503 from a proxy after the server did the work), the retry gets the
operation the first attempt made, and the video is made and charged once."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from typing import Any

import httpx

from openreel.client.config import ClientConfig, RetryPolicy
from openreel.client.exceptions import RETRYABLE, OpenreelAPIError
from openreel.client.responses import error_for, json_object

log = logging.getLogger("openreel.client")


def _headers(config: ClientConfig) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "User-Agent": "openreel-client"}
    if config.api_key:
        headers["x-goog-api-key"] = config.api_key
    return headers


def backoff_delay(policy: RetryPolicy, attempt: int, error: OpenreelAPIError) -> float:
    """The wait before retry `attempt` (1-based): the server's RetryInfo if it gave one, else
    exponential backoff with full jitter."""
    if error.retry_delay is not None:
        return min(error.retry_delay, policy.max_delay)
    ceiling = min(policy.initial_delay * policy.multiplier ** (attempt - 1), policy.max_delay)
    return random.uniform(0, ceiling)


def next_delay(policy: RetryPolicy | None, attempt: int, error: OpenreelAPIError) -> float | None:
    """How long to wait before retrying after `error` on `attempt`, or None to give up."""
    if policy is None or attempt >= policy.max_attempts:
        return None
    delay = backoff_delay(policy, attempt, error)
    log.info("%s %s on attempt %d; retrying in %.1f s", error.code, error.status, attempt, delay)
    return delay


def _retry_headers(method: str) -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {}


def _checked(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 200:
        return json_object(response)
    raise error_for(response)


class Transport:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.http = httpx.Client(base_url=config.base_url, headers=_headers(config), timeout=config.timeout)

    def request(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        """The JSON object the server answers; raises the OpenreelAPIError it stands for."""
        attempt, headers = 1, _retry_headers(method)
        while True:
            try:
                return _checked(self.http.request(method, path, json=json, headers=headers))
            except RETRYABLE as error:
                delay = next_delay(self.config.retry, attempt, error)
                if delay is None:
                    raise
                time.sleep(delay)
                attempt += 1

    def download(self, path: str) -> bytes:
        response = self.http.get(path, params={"alt": "media"}, follow_redirects=True)
        if response.status_code != 200:
            raise error_for(response)
        return response.content


class AsyncTransport:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.http = httpx.AsyncClient(base_url=config.base_url, headers=_headers(config), timeout=config.timeout)

    async def request(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        attempt, headers = 1, _retry_headers(method)
        while True:
            try:
                return _checked(await self.http.request(method, path, json=json, headers=headers))
            except RETRYABLE as error:
                delay = next_delay(self.config.retry, attempt, error)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                attempt += 1

    async def download(self, path: str) -> bytes:
        response = await self.http.get(path, params={"alt": "media"}, follow_redirects=True)
        if response.status_code != 200:
            raise error_for(response)
        return response.content
