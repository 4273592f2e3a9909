"""/webhooks: endpoints, test, delivery log, redeliver."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from pipelines.api.context import ApiContext, context
from pipelines.api.models import Attempt, Endpoint, EndpointIn, EndpointUpdate, Queued, Redeliver, TestResult
from pipelines.api.problems import ApiProblem, documented
from pipelines.webhooks import endpoints

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Ctx = Annotated[ApiContext, Depends(context)]
EndpointId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _endpoint(row: dict) -> Endpoint:
    return Endpoint(**row, warning=endpoints.private_target_warning(row["url"]))


def _existing(ctx: ApiContext, endpoint_id: int) -> dict:
    row = endpoints.get_endpoint(ctx.url, endpoint_id)
    if row is None:
        raise ApiProblem(404, f"There is no webhook endpoint #{endpoint_id}.")
    return row


@router.get("/endpoints", response_model=list[Endpoint], responses=documented(401, 403))
def list_endpoints(ctx: Ctx) -> list[Endpoint]:
    return [_endpoint(row) for row in endpoints.list_endpoints(ctx.url)]


@router.post("/endpoints", status_code=201, response_model=Endpoint, responses=documented(401, 403, 422))
def create_endpoint(ctx: Ctx, body: EndpointIn, response: Response) -> Endpoint:
    """Subscribe a URL to event types; the answer has its signing secret."""
    row = endpoints.create_endpoint(ctx.url, body.url, body.event_types, body.enabled)
    response.headers["Location"] = f"/webhooks/endpoints/{row['id']}"
    return _endpoint(row)


@router.get("/endpoints/{endpoint_id}", response_model=Endpoint, responses=documented(401, 403, 404, 422))
def get_endpoint(ctx: Ctx, endpoint_id: EndpointId) -> Endpoint:
    return _endpoint(_existing(ctx, endpoint_id))


@router.put("/endpoints/{endpoint_id}", response_model=Endpoint, responses=documented(401, 403, 404, 422))
def update_endpoint(ctx: Ctx, endpoint_id: EndpointId, body: EndpointUpdate) -> Endpoint:
    """Change an endpoint; enabling a disabled one delivers what it missed (or drops it: backlog=drop)."""
    return _endpoint(
        endpoints.update_endpoint(ctx.url, endpoint_id, body.url, body.event_types, body.enabled, body.backlog)
    )


@router.delete("/endpoints/{endpoint_id}", status_code=204, responses=documented(401, 403, 404, 422))
def delete_endpoint(ctx: Ctx, endpoint_id: EndpointId) -> Response:
    if not endpoints.delete_endpoint(ctx.url, endpoint_id):
        raise ApiProblem(404, f"There is no webhook endpoint #{endpoint_id}.")
    return Response(status_code=204)


@router.post("/endpoints/{endpoint_id}/test", response_model=TestResult, responses=documented(401, 403, 404, 422))
def test_endpoint(ctx: Ctx, endpoint_id: EndpointId) -> TestResult:
    """Send a signed webhook.test now: its HTTP status and milliseconds, or what went wrong."""
    attempt = endpoints.test_endpoint(ctx.url, endpoint_id)
    return TestResult(
        succeeded=attempt.succeeded,
        http_status=attempt.http_status,
        response_ms=attempt.response_ms,
        error=attempt.error,
    )


@router.post(
    "/endpoints/{endpoint_id}/redeliver",
    status_code=202,
    response_model=Queued,
    responses=documented(401, 403, 404, 422),
)
def redeliver(ctx: Ctx, endpoint_id: EndpointId, body: Redeliver) -> Queued:
    """Send a past event to the endpoint again, now (with the same webhook-id)."""
    return Queued(delivery_id=endpoints.redeliver(ctx.url, body.event_id, endpoint_id))


@router.get("/deliveries", response_model=list[Attempt], responses=documented(401, 403, 422))
def delivery_log(
    ctx: Ctx,
    endpoint_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    succeeded: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict]:
    """Every delivery attempt, newest first."""
    return endpoints.delivery_log(ctx.url, endpoint_id, succeeded, limit)
