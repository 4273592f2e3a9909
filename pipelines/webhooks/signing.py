"""Standard Webhooks signatures (https://www.standardwebhooks.com)."""

import base64
import hashlib
import hmac
import json
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """whsec_ + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header value: v1,<base64 HMAC-SHA256 of id.timestamp.body>."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def event_body(event_type: str, created_at, payload: dict) -> bytes:
    """The JSON body: the same bytes on every attempt of a message."""
    stamp = created_at.isoformat() if hasattr(created_at, "isoformat") else str(created_at)
    return json.dumps(
        {"type": event_type, "timestamp": stamp, "data": payload}, separators=(",", ":"), sort_keys=True
    ).encode()
