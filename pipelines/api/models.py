"""What the API reads and answers, as pydantic models (the OpenAPI schemas)."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.catalog.events import EVENT_TYPES
from pipelines.catalog.product_rules import MAX_LENGTH


def _price_text(value):
    """A price may be sent as a JSON number or as text (e.g. "19,90"): product_rules reads the text."""
    if isinstance(value, bool):
        raise ValueError("a price is a number or a text like 19.90")
    if isinstance(value, int | float | Decimal):
        return format(Decimal(str(value)), "f")
    return value


class Product(BaseModel):
    id: int
    sku: str
    name: str
    description: str
    price: str | None = Field(description='Exact decimal as text, e.g. "19.90"; null: no price')
    active: bool
    created_at: datetime
    updated_at: datetime

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value):
        return None if value is None else str(value)


class FieldChange(BaseModel):
    before: str | bool | None
    after: str | bool | None


class ProductChange(BaseModel):
    """One entry of a product's history."""

    at: datetime | None
    change: str = Field(examples=["updated", "created by an import"])
    by: str = Field(description="Who made it (an API token, the admin app) or which import", examples=["admin app"])
    changed: dict[str, FieldChange] = Field(
        description="The fields that changed: sku, name, description, price, active"
    )


# The lengths here only bound what is read; product_rules (the import's own
# rules) decides what is valid and says why not, in a 422.
_PRICE_HELP = "A price (19.90, 19,90, 1.234,56 …) as text or number; null or empty: no price"


class _PriceAsText(BaseModel):
    @field_validator("price", mode="before", check_fields=False)
    @classmethod
    def _price(cls, value):
        return _price_text(value)


class ProductIn(_PriceAsText):
    """A product as created (POST) or replaced (PUT): omitted fields take these defaults."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(max_length=MAX_LENGTH["sku"] * 4, examples=["ABC-123"])
    name: str = Field(max_length=MAX_LENGTH["name"] * 4, examples=["Blue mug"])
    description: str = Field("", max_length=MAX_LENGTH["description"] * 4)
    price: str | None = Field(None, description=_PRICE_HELP, examples=["19.90"])
    active: bool = True


class ProductPatch(_PriceAsText):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    sku: str | None = Field(None, max_length=MAX_LENGTH["sku"] * 4)
    name: str | None = Field(None, max_length=MAX_LENGTH["name"] * 4)
    description: str | None = Field(None, max_length=MAX_LENGTH["description"] * 4)
    price: str | None = Field(None, description=_PRICE_HELP)
    active: bool | None = None


class Links(BaseModel):
    next: str | None = None
    prev: str | None = None


class ProductCount(BaseModel):
    value: int
    kind: Literal["exact", "at_least", "estimate"]


class ProductPage(BaseModel):
    items: list[Product]
    links: Links
    count: ProductCount | None = Field(None, description="With count=true: how many match")


class Deleted(BaseModel):
    deleted: int


class ImportState(BaseModel):
    id: int
    file_name: str
    source: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    stage: str
    stage_label: str
    percent: int = Field(ge=0, le=100)
    rows_processed: int = 0
    rows_seen: int | None = None
    rows_valid: int | None = None
    rows_rejected: int | None = None
    rows_skipped: int | None = None
    duplicates_in_file: int | None = None
    created: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    file_format: str | None = None
    error: str | None = None
    refused: bool = Field(
        False, description="Failed for the file's content: a retry of the same file would fail too (409)"
    )
    cancel_requested: bool = False
    seconds_left: float | None = Field(
        None, description="Estimated time left in the current stage, from how much of it is done in how long"
    )
    stage_seconds: dict[str, float] = Field(default_factory=dict)
    dagster_run_id: str | None = None
    queued_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    finished: bool = Field(description="Nothing more will change: done, failed or cancelled")
    links: dict[str, str]


class ImportList(BaseModel):
    items: list[ImportState]


class Problems(BaseModel):
    line: int
    reason: str


class CheckedChange(BaseModel):
    """A product importing the file would create or change: its line, and its values before and after."""

    line: int
    change: Literal["created", "updated"]
    sku: str
    name: str
    description: str
    price: str | None
    sku_before: str | None
    name_before: str | None
    description_before: str | None
    price_before: str | None

    @field_validator("price", "price_before", mode="before")
    @classmethod
    def _price(cls, value):
        return None if value is None else str(value)


class CheckResult(BaseModel):
    """What importing the file would do (check_only=true); nothing was changed."""

    rows_total: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    duplicates_in_file: int
    rows_skipped: int
    skipped_reason: str
    file_format: str
    ignored_columns: list[str]
    first_problems: list[Problems]
    created_sample: list[CheckedChange] = Field(description="The first 20 new products, in file order")
    updated_sample: list[CheckedChange] = Field(description="The first 20 changed products, before and after")


EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://example.com/hooks/products"])
    event_types: list[EventType] = Field(min_length=1)
    enabled: bool = True


class EndpointUpdate(EndpointIn):
    backlog: Literal["deliver", "drop"] = Field(
        "deliver", description="When enabling a disabled endpoint: send what it missed, or drop it"
    )


class Endpoint(BaseModel):
    id: int
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None = None
    secret: str = Field(description="Signing secret (Standard Webhooks, whsec_…)")
    created_at: datetime
    updated_at: datetime
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    last_delivery_at: datetime | None = None
    last_status: int | None = None
    warning: str | None = Field(None, description="Why deliveries to this URL would be refused, if they would")


class TestResult(BaseModel):
    succeeded: bool
    http_status: int | None
    response_ms: int
    error: str | None


class Attempt(BaseModel):
    id: int
    endpoint_id: int | None
    url: str | None
    event_id: int | None
    event_type: str
    message_id: str
    attempt: int
    succeeded: bool
    http_status: int | None
    response_ms: int | None
    error: str | None
    attempted_at: datetime | None = None


class Redeliver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(ge=1, le=2**63 - 1)


class Queued(BaseModel):
    delivery_id: int


class Health(BaseModel):
    status: Literal["ok"]


class UndoSummary(BaseModel):
    import_id: int
    restored: int = Field(description="Products it updated, back to their values before")
    deleted: int = Field(description="Products it created, deleted again")
    kept: int = Field(description="Products changed or deleted since, left as they are")
    kept_skus: list[str] = Field(description="The first 1,000 kept products, by SKU")
    seconds: float


class Change(BaseModel):
    product_id: int
    change: Literal["created", "updated"]
    before: dict[str, str | None] | None = Field(description="Updated products: sku, name, description, price before")
    after: dict[str, str | None] | None = Field(description="As the import left it (null: deleted since)")
    changed_since: bool = Field(description="A later import or an edit changed it since: 'after' is its value now")
    deleted_since: bool


class ChangePage(BaseModel):
    items: list[Change]
    links: Links


class Deletion(BaseModel):
    id: int
    deleted_at: datetime
    products: int
    restored_at: datetime | None
    restored: int | None


class Restored(BaseModel):
    deletion_id: int
    restored: int
    kept: int = Field(description="Products whose SKU exists again: kept as they are now")
