"""The delivery worker: outbox events -> deliveries -> signed HTTP requests.

Runs outside the app and the import (`product-importer webhooks`, started
and supervised by `up`). Several deliveries are in flight at once over one
connection-reusing HTTP client; each claimed delivery holds a lease, so a
worker that dies mid-attempt leaves it to be retried after a restart, with
the same webhook-id. Any number of workers can share one database.
"""

import asyncio

from pipelines.db.sql_files import query
from pipelines.settings import WebhookSettings
from pipelines.webhooks.delivery import claim, deliver, fan_out, open_pool
from pipelines.webhooks.sender import make_client


class Worker:
    def __init__(self, database_url: str, settings: WebhookSettings | None = None):
        self.database_url = database_url
        self.settings = settings or WebhookSettings.from_env()
        self.stopping = asyncio.Event()
        self.delivered = 0

    async def run(self) -> None:
        async with (
            open_pool(self.database_url) as pool,
            make_client(self.settings.allow_private, self.settings.concurrency * 2) as client,
        ):
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
                claimed = await claim(pool, self.settings, free) if free > 0 else []
                for delivery in claimed:
                    task = asyncio.create_task(self._deliver(delivery))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if not claimed:
                    waiters = [asyncio.create_task(self.stopping.wait())]
                    await asyncio.wait(
                        waiters + list(in_flight),
                        timeout=self.settings.poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    for waiter in waiters:
                        waiter.cancel()
            if in_flight:
                await asyncio.wait(in_flight)

    async def _housekeeping(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(query("webhooks/release_expired"))
        await fan_out(self.pool)

    async def _deliver(self, delivery: dict) -> None:
        attempt = await deliver(self.pool, self.client, self.settings, delivery)
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
