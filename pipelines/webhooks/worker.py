"""The delivery worker: outbox events -> deliveries -> signed HTTP requests.

Runs outside the app and the import (`product-importer webhooks`, started
and supervised by `up`). Several deliveries are in flight at once over one
connection-reusing HTTP client; each claimed delivery holds a lease, so a
worker that dies mid-attempt leaves it to be retried after a restart, with
the same webhook-id. Any number of workers can share one database.
"""

import asyncio
import random
from datetime import datetime, timedelta, timezone

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from pipelines.db.sql_files import query
from pipelines.webhooks.endpoints import attempt_params
from pipelines.webhooks.sender import Attempt, make_client, send
from pipelines.settings import WebhookSettings
from pipelines.webhooks.signing import event_body

FAN_OUT_BATCH = 1000
MAX_RETRY_AFTER = 24 * 3600


def next_attempt_delay(settings: WebhookSettings, attempts_done: int, attempt: Attempt) -> float | None:
    """Seconds until the next try after `attempts_done` failed ones, or None to give up."""
    if attempts_done > len(settings.retry_schedule):
        return None
    if attempt.retry_after is not None:
        return min(attempt.retry_after, MAX_RETRY_AFTER)
    base = settings.retry_schedule[attempts_done - 1]
    return base * random.uniform(0.8, 1.2)  # jitter: retries of many deliveries spread out


class Worker:
    def __init__(self, database_url: str, settings: WebhookSettings | None = None):
        self.database_url = database_url
        self.settings = settings or WebhookSettings.from_env()
        self.stopping = asyncio.Event()
        self.delivered = 0

    async def run(self) -> None:
        async with AsyncConnectionPool(
            self.database_url, min_size=1, max_size=4, open=False,
            kwargs={"row_factory": dict_row, "autocommit": True, "prepare_threshold": None},
        ) as pool, make_client(self.settings.allow_private, self.settings.concurrency * 2) as client:
            self.pool, self.client = pool, client
            in_flight: set[asyncio.Task] = set()
            last_housekeeping = 0.0
            loop = asyncio.get_running_loop()
            while not self.stopping.is_set():
                # New events and expired leases are looked for once per poll
                # interval, not after every finished delivery.
                if loop.time() - last_housekeeping >= self.settings.poll_seconds:
                    await self._housekeeping()
                    last_housekeeping = loop.time()
                free = self.settings.concurrency - len(in_flight)
                claimed = await self._claim(free) if free > 0 else []
                for delivery in claimed:
                    task = asyncio.create_task(self._deliver(delivery))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if not claimed:
                    waiters = [asyncio.create_task(self.stopping.wait())]
                    await asyncio.wait(
                        waiters + list(in_flight), timeout=self.settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
                    )
                    for waiter in waiters:
                        waiter.cancel()
            if in_flight:
                await asyncio.wait(in_flight)

    async def _housekeeping(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(query("webhooks/release_expired"))
            while (await (await conn.execute(query("webhooks/fan_out"), {"limit": FAN_OUT_BATCH})).fetchone())["events"]:
                pass

    async def _claim(self, limit: int) -> list[dict]:
        async with self.pool.connection() as conn:
            claimed = await (await conn.execute(
                query("webhooks/claim"),
                {"limit": limit, "lease_seconds": self.settings.lease_seconds, "per_endpoint": self.settings.per_endpoint},
            )).fetchall()
            if not claimed:
                return []
            ids = [row["id"] for row in claimed]
            return await (await conn.execute(query("webhooks/delivery_context"), {"ids": ids})).fetchall()

    async def _deliver(self, delivery: dict) -> None:
        body = event_body(delivery["type"], delivery["created_at"], delivery["payload"])
        attempt = await send(self.client, delivery["url"], delivery["secret"], delivery["message_id"], body)
        number = delivery["attempts"] + 1
        if attempt.succeeded:
            status, next_at = "succeeded", None
        else:
            delay = next_attempt_delay(self.settings, number, attempt)
            status = "failed" if delay is None else "pending"
            next_at = None if delay is None else datetime.now(timezone.utc) + timedelta(seconds=delay)
        async with self.pool.connection() as conn:
            async with conn.transaction():
                await conn.execute(query("webhooks/attempt_record"), attempt_params(delivery, number, attempt))
                await conn.execute(
                    query("webhooks/delivery_done"),
                    {"delivery_id": delivery["delivery_id"], "status": status, "next_attempt_at": next_at},
                )
                await conn.execute(
                    query("webhooks/endpoint_outcome"),
                    {
                        "endpoint_id": delivery["endpoint_id"],
                        "http_status": attempt.http_status,
                        "response_ms": attempt.response_ms,
                        "succeeded": attempt.succeeded,
                        "gone": attempt.http_status == 410,
                        "disable_after": self.settings.disable_after,
                    },
                )
        if attempt.succeeded:
            self.delivered += 1


def run_worker(database_url: str) -> int:
    """`product-importer webhooks`: deliver until SIGINT/SIGTERM."""
    import signal

    worker = Worker(database_url)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stopping.set)
        await worker.run()

    asyncio.run(main())
    return 0
