"""Delivering outbox events: fan out, claim with a lease, send, record.

The worker (worker.py) runs these in a loop for every event; an import's
final op runs them once for its own upload.completed event, so subscribers
hear of an import when it ends rather than at the worker's next poll. Both
go through the same claim: a delivery is taken by one of them only
(status 'delivering' under a lease, rows locked with SKIP LOCKED), so an
event is never sent twice to an endpoint because both picked it up. What
the first attempt does not deliver, the worker retries on its schedule.
"""

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from pipelines.catalog.events import WEBHOOK_ENDPOINT_DISABLED
from pipelines.db.sql_files import query
from pipelines.settings import WebhookSettings
from pipelines.webhooks.endpoints import attempt_params
from pipelines.webhooks.sender import Attempt, make_client, send
from pipelines.webhooks.signing import event_body

FAN_OUT_BATCH = 1000
MAX_RETRY_AFTER = 24 * 3600


def open_pool(database_url: str, max_size: int = 4) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        database_url,
        min_size=1,
        max_size=max_size,
        open=False,
        kwargs={"row_factory": dict_row, "autocommit": True, "prepare_threshold": None},
    )


def next_attempt_delay(settings: WebhookSettings, attempts_done: int, attempt: Attempt) -> float | None:
    """Seconds until the next try after `attempts_done` failed ones, or None to give up."""
    if attempts_done > len(settings.retry_schedule):
        return None
    if attempt.retry_after is not None:
        return min(attempt.retry_after, MAX_RETRY_AFTER)
    base = settings.retry_schedule[attempts_done - 1]
    return base * random.uniform(0.8, 1.2)  # jitter: retries of many deliveries spread out


async def fan_out(pool: AsyncConnectionPool, event_id: int | None = None) -> None:
    """Turn new events (or just `event_id`) into one delivery per subscribed endpoint."""
    async with pool.connection() as conn:
        while True:
            result = await conn.execute(query("webhooks/fan_out"), {"limit": FAN_OUT_BATCH, "event_id": event_id})
            if not (await result.fetchone())["events"]:
                return


async def claim(
    pool: AsyncConnectionPool, settings: WebhookSettings, limit: int, event_id: int | None = None
) -> list[dict]:
    """Due deliveries (of `event_id` only, if given) leased to this caller, with what sending needs."""
    async with pool.connection() as conn:
        params = {"limit": limit, "lease_seconds": settings.lease_seconds, "event_id": event_id}
        claimed = await (await conn.execute(query("webhooks/claim"), params)).fetchall()
        if not claimed:
            return []
        ids = [row["id"] for row in claimed]
        return await (await conn.execute(query("webhooks/delivery_context"), {"ids": ids})).fetchall()


async def deliver(pool: AsyncConnectionPool, client, settings: WebhookSettings, delivery: dict) -> Attempt:
    """Send one claimed delivery and record the attempt, its next try and the endpoint's health."""
    body = event_body(delivery["type"], delivery["created_at"], delivery["payload"])
    attempt = await send(client, delivery["url"], delivery["secret"], delivery["message_id"], body)
    number = delivery["attempts"] + 1
    if attempt.succeeded:
        status, next_at = "succeeded", None
    else:
        delay = next_attempt_delay(settings, number, attempt)
        status = "failed" if delay is None else "pending"
        next_at = None if delay is None else datetime.now(UTC) + timedelta(seconds=delay)
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(query("webhooks/attempt_record"), attempt_params(delivery, number, attempt))
        await conn.execute(
            query("webhooks/delivery_done"),
            {"delivery_id": delivery["delivery_id"], "status": status, "next_attempt_at": next_at},
        )
        outcome = await (
            await conn.execute(
                query("webhooks/endpoint_outcome"),
                {
                    "endpoint_id": delivery["endpoint_id"],
                    "http_status": attempt.http_status,
                    "response_ms": attempt.response_ms,
                    "succeeded": attempt.succeeded,
                    "gone": attempt.http_status == 410,
                    "disable_after_seconds": settings.disable_after_hours * 3600,
                },
            )
        ).fetchone()
        if outcome and outcome["newly_disabled"]:
            payload = {
                "endpoint_id": outcome["id"],
                "url": outcome["url"],
                "reason": outcome["disabled_reason"],
                "failing_since": outcome["failing_since"].isoformat() if outcome["failing_since"] else None,
            }
            await conn.execute(
                query("events/record"),
                {"type": WEBHOOK_ENDPOINT_DISABLED, "payload": Jsonb(payload), "import_id": None},
            )
    return attempt


@dataclass(frozen=True)
class FirstAttempt:
    """How an event's first attempt went at one endpoint."""

    endpoint_id: int
    url: str
    succeeded: bool
    http_status: int | None
    response_ms: int
    error: str | None

    def describe(self) -> str:
        outcome = f"HTTP {self.http_status}" if self.http_status else (self.error or "no answer")
        verdict = "delivered" if self.succeeded else "not delivered, the worker retries"
        return f"endpoint #{self.endpoint_id} {self.url}: {outcome} in {self.response_ms} ms, {verdict}"


def deliver_event_now(database_url: str, event_id: int, settings: WebhookSettings | None = None) -> list[FirstAttempt]:
    """Send `event_id` to every subscribed endpoint once, now, concurrently.

    Deliveries the worker has already claimed, and those that must wait for
    an endpoint's earlier events (each endpoint gets its events in order),
    are left to the worker. Each send has the sender's
    deadline, so this returns within about that long.
    """
    settings = settings or WebhookSettings.from_env()

    async def now() -> list[FirstAttempt]:
        async with open_pool(database_url, max_size=2) as pool:
            await fan_out(pool, event_id)
            claimed = await claim(pool, settings, limit=10_000, event_id=event_id)
            if not claimed:
                return []  # no HTTP client (nor httpx) for nothing to send
            async with make_client(settings.allow_private) as client:
                attempts = await asyncio.gather(*(deliver(pool, client, settings, d) for d in claimed))
        return [
            FirstAttempt(d["endpoint_id"], d["url"], a.succeeded, a.http_status, a.response_ms, a.error)
            for d, a in zip(claimed, attempts, strict=True)
        ]

    return asyncio.run(now())
