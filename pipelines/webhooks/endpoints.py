"""Webhook endpoints as the admin app manages them, the delivery log, and Test."""

import asyncio
import socket
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import psycopg

from pipelines.catalog.events import EVENT_TYPES
from pipelines.db.connection import connect
from pipelines.db.sql_files import query
from pipelines.settings import WebhookSettings
from pipelines.webhooks.address_guard import first_blocked
from pipelines.webhooks.sender import Attempt, make_client, send
from pipelines.webhooks.signing import event_body, new_secret


class EndpointError(ValueError):
    """An endpoint setting that cannot be saved; the message is for the user."""


class EndpointNotFound(EndpointError):
    pass


def check_url(url: str) -> str:
    url = (url or "").strip()
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise EndpointError("The URL cannot contain spaces or control characters (encode them as %20 and so on).")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise EndpointError("The URL must start with http:// or https://.")
    if not parts.hostname:
        raise EndpointError("The URL has no host name.")
    if parts.username or parts.password:
        raise EndpointError("Put no user name or password in the URL; receivers check the signature instead.")
    if parts.fragment:
        raise EndpointError("The URL cannot have a #fragment.")
    return url


def check_event_types(event_types) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    if not chosen:
        raise EndpointError("Choose at least one event type.")
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if unknown:
        raise EndpointError(f"Unknown event type(s): {', '.join(unknown)}.")
    return chosen


def list_endpoints(url: str) -> list[dict]:
    with connect(url) as conn:
        return conn.execute(query("webhooks/endpoints_list")).fetchall()


def get_endpoint(url: str, endpoint_id: int) -> dict | None:
    with connect(url) as conn:
        return conn.execute(query("webhooks/endpoint_get"), {"id": endpoint_id}).fetchone()


def create_endpoint(url: str, target: str, event_types, enabled: bool = True) -> dict:
    params = {
        "url": check_url(target),
        "event_types": check_event_types(event_types),
        "enabled": enabled,
        "secret": new_secret(),
    }
    with connect(url) as conn:
        return conn.execute(query("webhooks/endpoint_insert"), params).fetchone()


BACKLOG_CHOICES = ("deliver", "drop")


def update_endpoint(
    url: str, endpoint_id: int, target: str, event_types, enabled: bool, backlog: str = "deliver"
) -> dict:
    """Change an endpoint. Enabling a disabled one sends what it missed, in event
    order (`backlog="deliver"`), or drops it (`"drop"`, the user's explicit choice)."""
    if backlog not in BACKLOG_CHOICES:
        raise EndpointError(f"backlog must be one of {', '.join(BACKLOG_CHOICES)}.")
    params = {
        "id": endpoint_id,
        "url": check_url(target),
        "event_types": check_event_types(event_types),
        "enabled": enabled,
    }
    with connect(url) as conn, conn.transaction():
        before = conn.execute(query("webhooks/endpoint_get"), {"id": endpoint_id}).fetchone()
        row = conn.execute(query("webhooks/endpoint_update"), params).fetchone()
        if row is None:
            raise EndpointNotFound(f"Endpoint #{endpoint_id} no longer exists.")
        if enabled and not before["enabled"]:
            conn.execute(
                query(f"webhooks/backlog_{'resume' if backlog == 'deliver' else 'drop'}"), {"endpoint_id": endpoint_id}
            )
    return row


def backlog(url: str, endpoint_id: int) -> dict:
    """How many deliveries wait for the endpoint (n) and since when (oldest)."""
    with connect(url) as conn:
        return conn.execute(query("webhooks/backlog_count"), {"endpoint_id": endpoint_id}).fetchone()


def private_target_warning(target: str, settings: WebhookSettings | None = None) -> str | None:
    """Why deliveries to `target` will be refused (a loopback or private address
    without WEBHOOK_ALLOW_PRIVATE), or None. Said when the endpoint is added,
    not only when a delivery fails."""
    settings = settings or WebhookSettings.from_env()
    host = urlsplit((target or "").strip()).hostname
    if settings.allow_private or not host:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        return None  # a name that does not resolve now is reported when a delivery tries it
    if blocked := first_blocked(sorted(addresses)):
        address, reason = blocked
        return (
            f"{host} resolves to {address} ({reason}): deliveries to it are refused unless "
            "WEBHOOK_ALLOW_PRIVATE=1 is set (for local testing; see README, Webhooks)."
        )
    return None


def rotate_secret(url: str, endpoint_id: int) -> dict:
    with connect(url) as conn:
        return conn.execute(query("webhooks/endpoint_secret"), {"id": endpoint_id, "secret": new_secret()}).fetchone()


def delete_endpoint(url: str, endpoint_id: int) -> bool:
    """Delete an endpoint and its deliveries; False if there was none."""
    with connect(url) as conn:
        return conn.execute(query("webhooks/endpoint_delete"), {"id": endpoint_id}).fetchone() is not None


def attempt_params(delivery: dict, attempt_number: int, attempt: Attempt) -> dict:
    """Parameters of webhook_attempt_record.sql: one line of the delivery log."""
    return {
        "delivery_id": delivery.get("delivery_id"),
        "endpoint_id": delivery["endpoint_id"],
        "event_id": delivery.get("event_id"),
        "event_type": delivery["type"],
        "message_id": delivery["message_id"],
        "attempt": attempt_number,
        "succeeded": attempt.succeeded,
        "http_status": attempt.http_status,
        "response_ms": attempt.response_ms,
        "error": attempt.error,
        "response_excerpt": attempt.response_excerpt,
    }


def test_endpoint(url: str, endpoint_id: int, settings: WebhookSettings | None = None) -> Attempt:
    """Send a signed webhook.test now and log it; returns within about 10 s."""
    settings = settings or WebhookSettings.from_env()
    endpoint = get_endpoint(url, endpoint_id)
    if endpoint is None:
        raise EndpointNotFound(f"Endpoint #{endpoint_id} no longer exists.")
    message_id = f"msg_test_{uuid.uuid4().hex}"
    body = event_body("webhook.test", datetime.now(UTC), {"endpoint_id": endpoint_id, "test": True})

    async def one() -> Attempt:
        async with make_client(settings.allow_private, max_connections=1) as client:
            return await send(client, endpoint["url"], endpoint["secret"], message_id, body)

    attempt = asyncio.run(one())
    test = {"endpoint_id": endpoint_id, "type": "webhook.test", "message_id": message_id}
    with connect(url) as conn:
        conn.execute(query("webhooks/attempt_record"), attempt_params(test, 1, attempt))
    return attempt


def delivery_log(
    url: str, endpoint_id: int | None = None, succeeded: bool | None = None, limit: int = 200
) -> list[dict]:
    with connect(url) as conn:
        return conn.execute(
            query("webhooks/attempts_list"), {"endpoint_id": endpoint_id, "succeeded": succeeded, "limit": limit}
        ).fetchall()


def redeliver(url: str, event_id: int, endpoint_id: int) -> int:
    """Queue a past event for an endpoint again, due now; returns the delivery id."""
    try:
        with connect(url) as conn:
            row = conn.execute(query("webhooks/redeliver"), {"event_id": event_id, "endpoint_id": endpoint_id})
            return row.fetchone()["id"]
    except psycopg.errors.ForeignKeyViolation:
        raise EndpointNotFound(f"There is no event {event_id} or no endpoint #{endpoint_id}.") from None
