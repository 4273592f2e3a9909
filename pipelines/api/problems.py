"""Errors as application/problem+json (RFC 9457), never a stack trace.

Domain errors carry a message for the user; here each kind gets its status:
404 for an unknown id, 409 for a conflict (a SKU taken, an import that has
ended), 413 for an upload over the limit, 422 for input that cannot be used.
"""

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.access.tokens import TokenError
from pipelines.catalog.products import AlreadyRestored, DeletionNotFound, ProductError, ProductNotFound, SkuTaken
from pipelines.importing.cancellation import CannotCancel, ImportNotFound
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.journal import CannotUndo
from pipelines.webhooks.endpoints import EndpointError, EndpointNotFound

MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Where the bad value is, e.g. body.sku or query.limit")
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(None, description="One entry per bad field (422 only)")


class ApiProblem(Exception):
    """Raised by a route: answer `status` with `detail`."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def problem(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None) -> JSONResponse:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status, headers=headers, media_type=MEDIA_TYPE)


def documented(*statuses: int) -> dict:
    """The `responses` of a route that can answer these problem statuses (for the OpenAPI document)."""
    return {
        status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


# Domain errors, most specific first.
_STATUS = (
    (ProductNotFound, 404),
    (EndpointNotFound, 404),
    (ImportNotFound, 404),
    (DeletionNotFound, 404),
    (SkuTaken, 409),
    (CannotCancel, 409),
    (CannotUndo, 409),
    (AlreadyRestored, 409),
    (ProductError, 422),
    (EndpointError, 422),
    (TokenError, 422),
    (FileRefused, 422),
)


def _field(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, error: ApiProblem):
        return problem(error.status, error.detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "The request is not valid."
        return problem(422, detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        status = error.status_code
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(status).phrase
        if status == 404 and detail == "Not Found":
            detail = f"There is no {request.url.path} here; see /docs for the API."
        if status == 400:  # a body the framework cannot parse (bad JSON, bad encoding): bad input, one status
            status, detail = 422, f"The request body cannot be read: {detail}"
        return problem(status, detail, headers=getattr(error, "headers", None))

    for kind, status in _STATUS:

        async def domain(request: Request, error: Exception, status: int = status):
            return problem(status, str(error))

        app.add_exception_handler(kind, domain)
