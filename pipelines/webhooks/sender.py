"""Sending one signed webhook message over HTTP, safely and with a deadline.

httpx (and httpcore, under the address guard) are imported when a client is
made, not with this module: the import job loads it in every run, and most
imports have no endpoint to send to; httpx alone took 0.21 s of a one-row
`product-importer import` (`python -X importtime`: it loads its command-line
client, and rich with it).
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipelines.webhooks.signing import sign

if TYPE_CHECKING:
    import httpx

USER_AGENT = "product-importer-webhooks/1.0"
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
EXCERPT_BYTES = 512


@dataclass(frozen=True)
class Attempt:
    succeeded: bool
    http_status: int | None
    response_ms: int
    error: str | None
    response_excerpt: str | None
    retry_after: float | None  # seconds the receiver asked us to wait


def make_client(allow_private: bool, max_connections: int = 32) -> httpx.AsyncClient:
    """An HTTP client that reuses connections, never follows redirects,
    ignores proxy settings (a proxy would bypass the address check) and
    connects only to addresses the guard allows."""
    import httpx

    from pipelines.webhooks.address_guard import GuardedBackend

    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        trust_env=False,
    )
    # httpx exposes no option for the network backend of its connection pool.
    pool = transport._pool
    pool._network_backend = GuardedBackend(pool._network_backend, allow_private)
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def _causes(error: BaseException):
    """The error and everything behind it (causes, contexts, exception groups)."""
    seen, stack = set(), [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, *getattr(current, "exceptions", ())])


def describe(error: Exception) -> str:
    """A short, human reason for a failed request."""
    import httpx

    text = str(error) or type(error).__name__
    if any(isinstance(cause, ConnectionRefusedError) for cause in _causes(error)):
        return "connection refused"
    if isinstance(error, httpx.ConnectTimeout):
        return f"connection timed out after {CONNECT_TIMEOUT:.0f} s"
    if isinstance(error, (httpx.TimeoutException, TimeoutError)):
        return f"no complete answer within {TOTAL_TIMEOUT:.0f} s"
    if "may not reach" in text:
        return f"blocked address: {text} (set WEBHOOK_ALLOW_PRIVATE=1 to allow it, e.g. for local testing)"
    if "DNS lookup" in text:
        return f"DNS failure: {text}"
    return f"{type(error).__name__}: {text}"


async def send(client: httpx.AsyncClient, url: str, secret: str, message_id: str, body: bytes) -> Attempt:
    """POST one message; never raises for network or HTTP errors."""
    timestamp = int(time.time())
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }
    started = time.perf_counter()
    try:
        async with asyncio.timeout(TOTAL_TIMEOUT):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                excerpt = b""
                async for chunk in response.aiter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
    except Exception as error:  # every failure becomes a logged attempt
        return Attempt(False, None, _ms(started), describe(error), None, None)
    ok = 200 <= response.status_code < 300
    return Attempt(
        succeeded=ok,
        http_status=response.status_code,
        response_ms=_ms(started),
        error=None if ok else f"HTTP {response.status_code}",
        response_excerpt=excerpt[:EXCERPT_BYTES].decode("utf-8", "replace"),
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
