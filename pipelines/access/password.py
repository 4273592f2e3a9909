"""Who may use the admin app, and where the product may listen.

The admin app can change and delete the whole catalog. Without a password
everything listens on 127.0.0.1 only; with ADMIN_PASSWORD (or its hashed
form ADMIN_PASSWORD_HASH, made by `product-importer hash-password`) the app
asks for it before showing anything, and `up` may listen on other addresses.
"""

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket

from pipelines.settings import AdminPassword

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class AccessError(Exception):
    """A setting that would expose the product; the message is for the user."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def password_configured() -> bool:
    return AdminPassword.from_env().configured


def check_password(given: str) -> bool:
    """Whether `given` is the admin password (constant-time comparison)."""
    configured = AdminPassword.from_env()
    stored_hash = configured.hashed
    if stored_hash:
        try:
            scheme, salt, digest = stored_hash.split("$")
            if scheme != "scrypt":
                return False
            computed = hashlib.scrypt(given.encode(), salt=base64.b64decode(salt), **SCRYPT)
            return hmac.compare_digest(computed, base64.b64decode(digest))
        except ValueError:
            return False
    plain = configured.plain
    return bool(plain) and hmac.compare_digest(given.encode(), plain.encode())


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except socket.gaierror:
            return False


def check_bind(host: str) -> None:
    """Refuse to listen beyond this machine without a password."""
    if not is_loopback(host) and not password_configured():
        raise AccessError(
            f"Refusing to listen on {host}: the admin app can change and delete the whole catalog. "
            "Set ADMIN_PASSWORD (or ADMIN_PASSWORD_HASH from `product-importer hash-password`) first, "
            "or keep BIND_HOST=127.0.0.1."
        )
