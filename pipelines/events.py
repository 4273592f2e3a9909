"""The outbox of events that the webhooks deliver."""

import psycopg
from psycopg.types.json import Jsonb

from pipelines.sql_files import query

UPLOAD_COMPLETED = "upload.completed"
UPLOAD_FAILED = "upload.failed"


def record_event(conn: psycopg.Connection, event_type: str, payload: dict, import_id: int | None) -> None:
    """Write an event in the caller's transaction, so it commits with its change."""
    conn.execute(query("event_record"), {"type": event_type, "payload": Jsonb(payload), "import_id": import_id})


def upload_event(import_id: int, summary: dict) -> dict:
    """The payload of upload.completed / upload.failed from an imports row."""
    return {
        "import_id": import_id,
        "file_name": summary["file_name"],
        "status": summary["status"],
        "rows_total": summary.get("rows_seen"),
        "rows_rejected": summary.get("rows_rejected"),
        "duplicates_in_file": summary.get("duplicates_in_file"),
        "created": summary.get("created"),
        "updated": summary.get("updated"),
        "unchanged": summary.get("unchanged"),
        "error": summary.get("error"),
    }
