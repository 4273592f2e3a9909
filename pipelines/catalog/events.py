"""The outbox of events that the webhooks deliver."""

import psycopg
from psycopg.types.json import Jsonb

from pipelines.db.sql_files import query
from pipelines.settings import api_url

PRODUCT_CREATED = "product.created"
PRODUCT_UPDATED = "product.updated"
PRODUCT_DELETED = "product.deleted"
PRODUCTS_DELETED_ALL = "products.deleted_all"
UPLOAD_COMPLETED = "upload.completed"
UPLOAD_FAILED = "upload.failed"
# An import stopped on request (app, API) before its merge: nothing changed.
UPLOAD_CANCELLED = "upload.cancelled"
# An import was undone: restored, deleted and kept counts.
UPLOAD_REVERTED = "upload.reverted"
# A delete-all was taken back.
PRODUCTS_RESTORED = "products.restored"
# An endpoint that kept failing was disabled (other endpoints can hear of it).
WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
# What a webhook endpoint can subscribe to.
EVENT_TYPES = (
    PRODUCT_CREATED,
    PRODUCT_UPDATED,
    PRODUCT_DELETED,
    PRODUCTS_DELETED_ALL,
    UPLOAD_COMPLETED,
    UPLOAD_FAILED,
    UPLOAD_CANCELLED,
    UPLOAD_REVERTED,
    PRODUCTS_RESTORED,
    WEBHOOK_ENDPOINT_DISABLED,
)


def record_event(conn: psycopg.Connection, event_type: str, payload: dict, import_id: int | None) -> int:
    """Write an event in the caller's transaction, so it commits with its change; returns its id."""
    row = conn.execute(
        query("events/record"), {"type": event_type, "payload": Jsonb(payload), "import_id": import_id}
    ).fetchone()
    return row["id"]


def upload_event(import_id: int, summary: dict) -> dict:
    """The payload of upload.completed / upload.failed from an imports row."""
    return {
        "import_id": import_id,
        "file_name": summary["file_name"],
        "status": summary["status"],
        "rows_total": summary.get("rows_seen"),
        "rows_rejected": summary.get("rows_rejected"),
        "rows_skipped": summary.get("rows_skipped"),
        "file_format": summary.get("file_format"),
        # product field -> the file's column it was read from; no "price" key:
        # the file had no price column and prices were kept.
        "columns": summary.get("columns_used"),
        "duplicates_in_file": summary.get("duplicates_in_file"),
        "created": summary.get("created"),
        "updated": summary.get("updated"),
        "unchanged": summary.get("unchanged"),
        "error": summary.get("error"),
        # What it changed, product by product (the HTTP API), while its journal is kept.
        "changes_url": f"{api_url()}/imports/{import_id}/changes" if summary["status"] == "succeeded" else None,
    }
