"""What `up` prints: one line per finished import and a "ready" line.

The services' own output goes to log files (data/logs/<service>.log, see
supervisor.py); the console says only what a user acts on.
"""

import json
import socket
import urllib.request
from datetime import datetime

from pipelines.db.connection import connect
from pipelines.db.sql_files import query
from pipelines.importing.import_runs import no_rows_warning
from pipelines.local.services import reachable


def import_line(row: dict) -> str:
    """One import's outcome: file, counts, seconds."""
    took = f" in {row['seconds']:.1f} s" if row["seconds"] is not None else ""
    head = f"Import {row['id']} of {row['file_name']} ({row['source']}) {row['status']}{took}"
    if row["status"] == "succeeded":
        if warning := no_rows_warning(row["rows_seen"]):
            return f"{head}: {warning}"
        return (
            f"{head}: {row['rows_seen'] or 0:,} rows, {row['created'] or 0:,} created, {row['updated'] or 0:,} "
            f"updated, {row['unchanged'] or 0:,} unchanged, {row['rows_rejected'] or 0:,} rejected"
        )
    return f"{head}: {row['error'] or 'no reason recorded'}"


class ImportLines:
    """The lines of imports that ended since `up` started, each once."""

    def __init__(self, url: str, since: datetime):
        self.url, self.since, self.seen = url, since, set()

    def new_lines(self) -> list[str]:
        with connect(self.url) as conn:
            rows = conn.execute(query("imports/finished_since"), {"since": self.since}).fetchall()
        fresh = [row for row in rows if row["id"] not in self.seen]
        self.seen.update(row["id"] for row in fresh)
        return [import_line(row) for row in fresh]


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((reachable(host), port), timeout=1):
            return True
    except OSError:
        return False


DAEMON_HEALTH = "{ instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } } }"


def daemons_healthy(dagster_url: str) -> bool:
    """Whether every daemon Dagster requires (sensors, run queue, monitoring, ...) sends heartbeats."""
    request = urllib.request.Request(
        f"{dagster_url}/graphql",
        data=json.dumps({"query": DAEMON_HEALTH}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            statuses = json.load(response)["data"]["instance"]["daemonHealth"]["allDaemonStatuses"]
    except (OSError, KeyError, TypeError, ValueError):
        return False
    return all(s["healthy"] for s in statuses if s["required"])
