"""Who may call the API: a live token (Authorization: Bearer), or, while no
token exists, any client on this machine (like the admin app without a password)."""

import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipelines.access.password import is_loopback
from pipelines.access.tokens import find_token, tokens_configured
from pipelines.api.context import ApiContext, context
from pipelines.api.problems import ApiProblem

bearer = HTTPBearer(auto_error=False, description="An API token from `product-importer token create NAME`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Whether any token exists, re-read at most this often (one query per request
# otherwise); a token created or revoked takes effect within this time.
CONFIGURED_TTL_SECONDS = 2.0
_configured: dict[str, tuple[float, bool]] = {}


def _tokens_configured(url: str) -> bool:
    checked = _configured.get(url)
    if checked is None or time.monotonic() - checked[0] > CONFIGURED_TTL_SECONDS:
        checked = (time.monotonic(), tokens_configured(url))
        _configured[url] = checked
    return checked[1]


def require_access(
    request: Request,
    ctx: Annotated[ApiContext, Depends(context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    if credentials is not None:
        token = find_token(ctx.url, credentials.credentials)
        if token is None:
            raise ApiProblem(401, "This API token is not known.", _CHALLENGE)
        if token["revoked_at"] is not None:
            raise ApiProblem(401, f"The API token '{token['name']}' has been revoked.", _CHALLENGE)
        request.state.by = f"API token {token['name']}"
        return
    if _tokens_configured(ctx.url):
        raise ApiProblem(401, "Send an API token: Authorization: Bearer <token>.", _CHALLENGE)
    client = request.client.host if request.client else ""
    request.state.by = "HTTP API"
    if not is_loopback(client):
        raise ApiProblem(
            403,
            "No API token exists, so the API answers on this machine only. "
            "Create one with `product-importer token create NAME` and send it as Authorization: Bearer <token>.",
        )


def changed_by(request: Request) -> str:
    """Who a change made in this request is recorded as (a product's history): the token's name."""
    return getattr(request.state, "by", "HTTP API")
