"""Webhook delivery settings, from environment variables."""

import os
from dataclasses import dataclass

EVENT_TYPES = (
    "product.created",
    "product.updated",
    "product.deleted",
    "products.deleted_all",
    "upload.completed",
    "upload.failed",
)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class WebhookSettings:
    allow_private: bool = False
    retry_schedule: tuple[float, ...] = (5, 30, 120, 600, 3600, 21600)
    disable_after: int = 15
    concurrency: int = 32
    per_endpoint: int = 8
    poll_seconds: float = 0.5
    lease_seconds: float = 60

    @classmethod
    def from_env(cls) -> "WebhookSettings":
        defaults = cls()
        schedule = os.environ.get("WEBHOOK_RETRY_SCHEDULE")
        return cls(
            allow_private=_flag("WEBHOOK_ALLOW_PRIVATE"),
            retry_schedule=tuple(float(s) for s in schedule.split(",")) if schedule else defaults.retry_schedule,
            disable_after=int(os.environ.get("WEBHOOK_DISABLE_AFTER", defaults.disable_after)),
            concurrency=int(os.environ.get("WEBHOOK_CONCURRENCY", defaults.concurrency)),
            per_endpoint=int(os.environ.get("WEBHOOK_PER_ENDPOINT", defaults.per_endpoint)),
            poll_seconds=float(os.environ.get("WEBHOOK_POLL_SECONDS", defaults.poll_seconds)),
            lease_seconds=float(os.environ.get("WEBHOOK_LEASE_SECONDS", defaults.lease_seconds)),
        )
