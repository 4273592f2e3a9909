"""Unknown query parameters are refused (422), not ignored: a mistyped filter
(`?nmae=mug`) would otherwise answer every product, and a mistyped option
would be silently dropped."""

from functools import cache

from fastapi import FastAPI, Request

from pipelines.api.problems import ApiProblem


@cache
def _declared(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, path template) -> its query parameter names, from the OpenAPI document."""
    declared = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            declared[(method.upper(), path)] = frozenset(names)
    return declared


def known_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    allowed = _declared(request.app).get((request.method, getattr(route, "path", "")))
    if allowed is None:
        return
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        raise ApiProblem(422, f"Unknown query parameter(s): {', '.join(unknown)}; this operation takes: {expected}.")
