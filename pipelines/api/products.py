"""/products: list, read, create, change, delete, delete all, export."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from pipelines.api import cursors
from pipelines.api.access import changed_by
from pipelines.api.context import ApiContext, context
from pipelines.api.models import (
    Deleted,
    Deletion,
    Product,
    ProductChange,
    ProductCount,
    ProductIn,
    ProductPage,
    ProductPatch,
    Restored,
)
from pipelines.api.problems import ApiProblem, documented
from pipelines.catalog import products as catalog
from pipelines.catalog.export import export_csv

router = APIRouter(prefix="/products", tags=["products"])
Ctx = Annotated[ApiContext, Depends(context)]
By = Annotated[str, Depends(changed_by)]
SORTS = tuple(catalog.SORT_KEYS) + tuple(f"-{key}" for key in catalog.SORT_KEYS)
CONFIRM_DELETE_ALL = "delete-all"
ProductId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def product_filter(
    sku: Annotated[str, Query(max_length=1000, description="SKU contains (case-insensitive)")] = "",
    name: Annotated[str, Query(max_length=1000, description="Name contains")] = "",
    description: Annotated[str, Query(max_length=1000, description="Description contains")] = "",
    status: Literal["all", "active", "inactive"] = "all",
    price_min: Annotated[str, Query(max_length=40, description="Lowest price, e.g. 10 or 9,99")] = "",
    price_max: Annotated[str, Query(max_length=40, description="Highest price")] = "",
) -> catalog.ProductFilter:
    where = catalog.ProductFilter(sku, name, description, status, price_min, price_max)
    where.params()  # a price bound that is not a price: ProductError, a 422
    return where


Filter = Annotated[catalog.ProductFilter, Depends(product_filter)]


def _page_link(request: Request, cursor: str) -> str:
    return str(request.url.include_query_params(cursor=cursor))


@router.get("", response_model=ProductPage, responses=documented(401, 403, 422))
def list_products(
    request: Request,
    ctx: Ctx,
    where: Filter,
    sort: Annotated[Literal[SORTS], Query(description="Sort key; a leading '-' sorts descending")] = "id",  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000, description="From a previous page's links")] = None,
    count: Annotated[bool, Query(description="Also count the matches (capped; estimated without filters)")] = False,
) -> ProductPage:
    """A page of the products that match, with links to the next and previous pages."""
    order = catalog.ProductOrder(sort.lstrip("-"), sort.startswith("-"))
    direction, position = cursors.decode(cursor, sort, catalog.SORT_KEYS[order.by][1]) if cursor else ("after", None)
    if direction == "after":
        rows = catalog.page_after(ctx.url, where, position, limit + 1, order)
        more_after, more_before = len(rows) > limit, position is not None
        rows = rows[:limit]
    else:
        rows = catalog.page_before(ctx.url, where, position, limit + 1, order)
        more_before, more_after = len(rows) > limit, True
        rows = rows[-limit:]
    links = {}
    if rows and more_after:
        links["next"] = _page_link(request, cursors.encode(sort, "after", *catalog.cursor_of(rows[-1])))
    if rows and more_before:
        links["prev"] = _page_link(request, cursors.encode(sort, "before", *catalog.cursor_of(rows[0])))
    total = catalog.count_products(ctx.url, where) if count else None
    return ProductPage(
        items=rows,
        links=links,
        count=ProductCount(value=total.value, kind=total.kind) if total else None,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV: sku,name,description,price"}}
    | documented(401, 403, 422),
)
def export_products(ctx: Ctx, where: Filter) -> StreamingResponse:
    """The matching products as CSV in the import's own columns (it imports back unchanged); streamed."""
    return StreamingResponse(
        export_csv(ctx.url, where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="products-{date.today().isoformat()}.csv"'},
    )


@router.get("/deletions", response_model=list[Deletion], responses=documented(401, 403, 422))
def deletions(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict]:
    """Delete-alls kept for restore (JOURNAL_RETENTION_DAYS), newest first."""
    return catalog.recent_deletions(ctx.url, limit)


@router.post("/deletions/{deletion_id}/restore", response_model=Restored, responses=documented(401, 403, 404, 409, 422))
def restore(ctx: Ctx, deletion_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> dict:
    """Put back what a delete-all deleted; products whose SKU exists again are kept as they are now."""
    return catalog.restore_deleted(ctx.url, deletion_id)


@router.delete("", response_model=Deleted, responses=documented(401, 403, 422))
def delete_all(
    ctx: Ctx,
    confirm: Annotated[str, Query(description=f"Must be '{CONFIRM_DELETE_ALL}'")] = "",
) -> Deleted:
    """Delete every product (and announce products.deleted_all); restorable for JOURNAL_RETENTION_DAYS."""
    if confirm != CONFIRM_DELETE_ALL:
        raise ApiProblem(422, f"Deleting every product needs ?confirm={CONFIRM_DELETE_ALL}.")
    return Deleted(deleted=catalog.delete_all_products(ctx.url))


@router.post("", status_code=201, response_model=Product, responses=documented(401, 403, 409, 422))
def create_product(ctx: Ctx, by: By, body: ProductIn, response: Response) -> dict:
    row = catalog.create_product(ctx.url, body.sku, body.name, body.description, body.active, body.price or "", by=by)
    response.headers["Location"] = f"/products/{row['id']}"
    return row


def _existing(ctx: ApiContext, product_id: ProductId) -> dict:
    row = catalog.get_product(ctx.url, product_id)
    if row is None:
        raise ApiProblem(404, f"There is no product #{product_id}.")
    return row


@router.get("/{product_id}", response_model=Product, responses=documented(401, 403, 404, 422))
def get_product(ctx: Ctx, product_id: ProductId) -> dict:
    return _existing(ctx, product_id)


@router.get("/{product_id}/history", response_model=list[ProductChange], responses=documented(401, 403, 404, 422))
def product_history(ctx: Ctx, product_id: ProductId) -> list[dict]:
    """The product's changes, newest first (up to 50): over the API, in the admin app, by imports."""
    history = catalog.product_history(ctx.url, product_id)
    if not history and catalog.get_product(ctx.url, product_id) is None:
        raise ApiProblem(404, f"There is no product #{product_id}.")
    return [
        {**entry, "changed": {f: {"before": old, "after": new} for f, (old, new) in entry["changed"].items()}}
        for entry in history
    ]


@router.put("/{product_id}", response_model=Product, responses=documented(401, 403, 404, 409, 422))
def replace_product(ctx: Ctx, by: By, product_id: ProductId, body: ProductIn) -> dict:
    """Replace every field (omitted ones take their defaults)."""
    return catalog.update_product(
        ctx.url, product_id, body.sku, body.name, body.description, body.active, body.price or "", by=by
    )


@router.patch("/{product_id}", response_model=Product, responses=documented(401, 403, 404, 409, 422))
def change_product(ctx: Ctx, by: By, product_id: ProductId, body: ProductPatch) -> dict:
    """Change only the fields given."""
    current = _existing(ctx, product_id)
    given = body.model_dump(exclude_unset=True)
    if given.get("active") is None:
        given.pop("active", None)
    merged = {**current, **given}
    return catalog.update_product(
        ctx.url,
        product_id,
        merged["sku"] or "",
        merged["name"] or "",
        merged["description"] or "",
        merged["active"],
        merged["price"] if merged["price"] is not None else "",
        by=by,
    )


@router.delete("/{product_id}", status_code=204, responses=documented(401, 403, 404, 422))
def delete_product(ctx: Ctx, by: By, product_id: ProductId) -> Response:
    catalog.delete_product(ctx.url, product_id, by=by)
    return Response(status_code=204)
