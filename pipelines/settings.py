"""Every setting, from environment variables with local defaults.

Each variable is read here and nowhere else (a test greps for it); README.md
lists them all. Functions, not constants, so a process that exports a value
(the embedded server's DATABASE_URL, DAGSTER_HOME) is seen by later calls.
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"
LOOPBACK = "127.0.0.1"


def _text(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _flag(name: str) -> bool:
    return _text(name).lower() in ("1", "true", "yes", "on")


def data_dir() -> Path:
    return Path(_text("DATA_DIR") or PROJECT_ROOT / "data").resolve()


def database_url() -> str:
    """DATABASE_URL; empty means the embedded server (pipelines.db.connection)."""
    return _text("DATABASE_URL")


def export_database_url(url: str) -> None:
    """Hand the resolved URL to child processes (run workers, the app)."""
    os.environ["DATABASE_URL"] = url


def landing_url() -> str:
    """s3://bucket/prefix watched by the bucket sensor; empty: no bucket landing."""
    return _text("LANDING_URL")


def restart_delay_seconds() -> float:
    """How long `up` waits before starting again a service that exited (RESTART_DELAY_SECONDS)."""
    return float(_text("RESTART_DELAY_SECONDS") or 2)


def webhook_workers(profile: str) -> int:
    """How many webhook workers `up` runs: WEBHOOK_WORKERS, else 2 in production
    (one may die mid-delivery; the other takes over after the lease) and 1 locally."""
    return max(1, int(_text("WEBHOOK_WORKERS") or (2 if profile == "production" else 1)))


def landing_settle_seconds() -> float:
    """How long a landing file must stay unchanged before it is imported."""
    return float(_text("LANDING_SETTLE_SECONDS") or 1.0)


def dagster_home() -> Path:
    return Path(_text("DAGSTER_HOME") or data_dir() / "dagster").resolve()


def production_dagster_home() -> Path:
    """DAGSTER_HOME if set (a container's), else data/dagster-production: the
    production shape's instance, apart from the local profile's."""
    return Path(_text("DAGSTER_HOME") or data_dir() / "dagster-production").resolve()


def code_server_host() -> str:
    """CODE_SERVER_HOST: where the webserver and daemon reach the code server (empty: CODE_HOST)."""
    return _text("CODE_SERVER_HOST")


def missing_production_settings() -> list[str]:
    """The settings deploy/dagster.yaml and the catalog need that are not set."""
    return [
        f"{name} ({why})"
        for name, why in (
            ("DATABASE_URL", "the catalog's PostgreSQL"),
            ("DAGSTER_POSTGRES_URL", "the database for Dagster's runs, events and schedules"),
            ("DAGSTER_MAX_CONCURRENT_RUNS", "how many runs at once"),
        )
        if not _text(name)
    ]


def export_dagster_home(home: Path) -> None:
    os.environ["DAGSTER_HOME"] = str(home)


REBUILD_MODES = ("auto", "concurrent", "blocking")


def rebuild_concurrently(catalog_was_empty: bool) -> bool:
    """Whether a large import rebuilds the search indexes CONCURRENTLY (SEARCH_INDEX_REBUILD).

    `auto` (default): blocking, the three at once, when the catalog was empty
    before the import (nobody has a product to edit yet; creating one waits
    for the build), CONCURRENTLY otherwise, so the app's writes never wait.
    `concurrent` always CONCURRENTLY; `blocking` always blocking (bulk loads
    when nobody edits: about twice as fast, writes wait until it ends).
    """
    value = _text("SEARCH_INDEX_REBUILD", "auto").lower()
    if value not in REBUILD_MODES:
        raise ValueError(f"SEARCH_INDEX_REBUILD must be one of {', '.join(REBUILD_MODES)}, not {value!r}")
    return value == "concurrent" or (value == "auto" and not catalog_was_empty)


def heartbeat_timeout_seconds() -> float:
    """A running import silent this long has lost its process (importing/recovery.py)."""
    return float(_text("IMPORT_HEARTBEAT_TIMEOUT_SECONDS") or 60)


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one file may hold (importing/csv_records.py)."""

    # A line or a value longer than this rejects its record; a quote that
    # never closes cannot take the rest of the file.
    max_record_bytes: int = 1 << 20
    # A decompressed file larger than this is refused (a small .csv.gz can
    # expand to gigabytes).
    max_file_bytes: int = 20 << 30

    @classmethod
    def from_env(cls) -> "ReadLimits":
        defaults = cls()
        return cls(
            max_record_bytes=int(_text("MAX_RECORD_BYTES") or defaults.max_record_bytes),
            max_file_bytes=int(_text("MAX_FILE_BYTES") or defaults.max_file_bytes),
        )


@dataclass(frozen=True)
class Listen:
    """Where `up` serves: BIND_HOST for the app, DAGSTER_HOST for Dagster's UI, API_HOST for the HTTP API."""

    host: str = LOOPBACK
    dagster_host: str = LOOPBACK
    dagster_port: int = 3000
    app_port: int = 8501
    api_host: str = LOOPBACK
    api_port: int = 8000
    # The Dagster code server of the production shape (pipelines/local/services.py).
    code_host: str = LOOPBACK
    code_port: int = 4000

    @classmethod
    def from_env(cls) -> "Listen":
        return cls(
            host=_text("BIND_HOST", LOOPBACK),
            # The Dagster UI has no login of its own: it stays on this machine
            # unless DAGSTER_HOST says otherwise (then behind an authenticating proxy).
            dagster_host=_text("DAGSTER_HOST", LOOPBACK),
            dagster_port=int(_text("DAGSTER_PORT", "3000")),
            app_port=int(_text("APP_PORT", "8501")),
            # Beyond this machine only with an API token (access/tokens.py).
            api_host=_text("API_HOST", LOOPBACK),
            api_port=int(_text("API_PORT", "8000")),
            code_host=_text("CODE_HOST", LOOPBACK),
            code_port=int(_text("CODE_PORT", "4000")),
        )


def api_url() -> str:
    """Where other systems reach the HTTP API (links in webhooks, e.g. an import's changes)."""
    listen = Listen.from_env()
    return (_text("API_URL") or f"http://{LOOPBACK}:{listen.api_port}").rstrip("/")


def journal_retention_days() -> float:
    """How long what imports changed (and what delete-all deleted) is kept for undo and restore."""
    return float(_text("JOURNAL_RETENTION_DAYS") or 7)


def max_upload_bytes() -> int:
    """The largest file the HTTP API accepts in one upload (413 beyond)."""
    return int(_text("MAX_UPLOAD_BYTES") or 2 << 30)


def dagster_url() -> str:
    """Where users open the Dagster UI (links from the admin app)."""
    return _text("DAGSTER_URL") or f"http://{LOOPBACK}:{Listen.from_env().dagster_port}"


@dataclass(frozen=True)
class AdminPassword:
    """ADMIN_PASSWORD, or ADMIN_PASSWORD_HASH from `product-importer hash-password`."""

    plain: str = ""
    hashed: str = ""

    @classmethod
    def from_env(cls) -> "AdminPassword":
        return cls(plain=os.environ.get("ADMIN_PASSWORD", ""), hashed=_text("ADMIN_PASSWORD_HASH"))

    @property
    def configured(self) -> bool:
        return bool(self.plain or self.hashed)


@dataclass(frozen=True)
class WebhookSettings:
    allow_private: bool = False
    # Seconds between attempts: the last one comes about 42 hours after the
    # first, beyond the day after which a failing endpoint is disabled, so a
    # delivery still waiting then is kept for when the endpoint is enabled again.
    retry_schedule: tuple[float, ...] = (5, 30, 120, 600, 3600, 21600, 43200, 86400)
    # An endpoint is disabled once it has failed continuously this long (Svix
    # and Stripe use days, not a count: a short outage must not disable it).
    disable_after_hours: float = 24
    concurrency: int = 32
    poll_seconds: float = 0.5
    lease_seconds: float = 60

    @classmethod
    def from_env(cls) -> "WebhookSettings":
        defaults = cls()
        schedule = _text("WEBHOOK_RETRY_SCHEDULE")
        return cls(
            allow_private=_flag("WEBHOOK_ALLOW_PRIVATE"),
            retry_schedule=tuple(float(s) for s in schedule.split(",")) if schedule else defaults.retry_schedule,
            disable_after_hours=float(_text("WEBHOOK_DISABLE_AFTER_HOURS") or defaults.disable_after_hours),
            concurrency=int(_text("WEBHOOK_CONCURRENCY") or defaults.concurrency),
            poll_seconds=float(_text("WEBHOOK_POLL_SECONDS") or defaults.poll_seconds),
            lease_seconds=float(_text("WEBHOOK_LEASE_SECONDS") or defaults.lease_seconds),
        )


@dataclass(frozen=True)
class AkeneoColumns:
    """Which of an Akeneo export's localized columns are imported (importing/platforms.py)."""

    locale: str = "en_US"  # name-<locale>, description-<locale>-<channel>
    channel: str = "ecommerce"
    currency: str = "EUR"  # price-<currency>

    @classmethod
    def from_env(cls) -> "AkeneoColumns":
        defaults = cls()
        return cls(
            locale=_text("AKENEO_LOCALE", defaults.locale),
            channel=_text("AKENEO_CHANNEL", defaults.channel),
            currency=_text("AKENEO_CURRENCY", defaults.currency),
        )


def profiles_dir() -> Path:
    """Saved column mappings, one JSON file per profile (importing/profiles.py)."""
    return Path(_text("PROFILES_DIR") or data_dir() / "profiles").resolve()


@dataclass(frozen=True)
class Folders:
    landing: Path
    processed: Path
    failed: Path
    rejects: Path
    work: Path  # per-import scratch: checked rows, bucket downloads (removed when done)

    @classmethod
    def from_env(cls) -> "Folders":
        base = data_dir()
        return cls(
            landing=Path(_text("LANDING_DIR") or base / "landing").resolve(),
            processed=Path(_text("PROCESSED_DIR") or base / "processed").resolve(),
            failed=Path(_text("FAILED_DIR") or base / "failed").resolve(),
            rejects=Path(_text("REJECTS_DIR") or base / "rejects").resolve(),
            work=(base / "work").resolve(),
        )

    @property
    def previews(self) -> Path:
        """Scratch space of "Check only": inside work/, never beside the landing folder."""
        return self.work / "previews"

    def create(self) -> "Folders":
        for folder in (self.landing, self.processed, self.failed, self.rejects, self.work):
            folder.mkdir(parents=True, exist_ok=True)
        return self
