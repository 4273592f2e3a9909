"""API tokens: who may use the HTTP API.

A token is 32 random bytes shown once when it is created (in the app or with
`product-importer token create NAME`); the database keeps its SHA-256 only.
With no live token the API answers on the loopback interface only, like the
admin app without a password; `up` refuses a non-loopback API_HOST then.
"""

import hashlib
import secrets

import psycopg

from pipelines.access.password import AccessError, is_loopback
from pipelines.db.connection import connect
from pipelines.db.sql_files import query

PREFIX = "pi_"  # recognizable in logs and by secret scanners


class TokenError(ValueError):
    """A token name that cannot be used; the message is for the user."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(url: str, name: str) -> tuple[dict, str]:
    """A new live token called `name`: its row and the token itself (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise TokenError("A token needs a name of 1 to 100 printable characters (who or what uses it).")
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with connect(url) as conn:
            row = conn.execute(query("tokens/create"), {"name": name, "token_hash": _digest(token)}).fetchone()
    except psycopg.errors.UniqueViolation:
        raise TokenError(f"A live token is already called '{name}'; revoke it first or choose another name.") from None
    return row, token


def list_tokens(url: str) -> list[dict]:
    with connect(url) as conn:
        return conn.execute(query("tokens/list")).fetchall()


def revoke_token(url: str, name: str) -> bool:
    """Revoke the live token called `name`; False if there is none."""
    with connect(url) as conn:
        return conn.execute(query("tokens/revoke"), {"name": name}).fetchone() is not None


def tokens_configured(url: str) -> bool:
    with connect(url) as conn:
        return conn.execute(query("tokens/live_count")).fetchone()["n"] > 0


def find_token(url: str, token: str) -> dict | None:
    """The token row (id, name, revoked_at) for a presented token, or None."""
    with connect(url) as conn:
        return conn.execute(query("tokens/use"), {"token_hash": _digest(token)}).fetchone()


def check_api_bind(url: str, host: str) -> None:
    """Refuse to serve the API beyond this machine without a token."""
    if not is_loopback(host) and not tokens_configured(url):
        raise AccessError(
            f"Refusing to serve the HTTP API on {host}: it can change and delete the whole catalog. "
            "Create a token first (`product-importer token create NAME`, or on the app's API page), "
            "or keep API_HOST=127.0.0.1."
        )
