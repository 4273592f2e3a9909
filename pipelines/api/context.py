"""What every route needs: the products database and the folders, set once per app."""

from dataclasses import dataclass

from fastapi import Request

from pipelines.settings import Folders


@dataclass(frozen=True)
class ApiContext:
    url: str
    folders: Folders


def context(request: Request) -> ApiContext:
    return request.app.state.context
