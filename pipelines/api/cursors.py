"""Opaque page cursors: where a page of products starts, in which order.

A cursor is base64url of a small JSON document: the sort it belongs to,
the direction and the (sort value, id) pair of the row it is next to
(catalog/products.py keyset pagination). Clients pass it back unchanged.
"""

import base64
import binascii
import json
from datetime import datetime
from decimal import Decimal

from pipelines.api.problems import ApiProblem


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def encode(sort: str, direction: str, sort_value, product_id: int) -> str:
    document = {"s": sort, "d": direction, "v": _plain(sort_value), "id": product_id}
    return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode().rstrip("=")


# The SQL type of each sort key (catalog/products.py SORT_KEYS) and how a
# cursor's value is checked to be one: a forged cursor is a 422, not an SQL error.
def _bigint(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**63:
        raise ValueError("not a bigint")
    return value


def _numeric(value) -> str:
    number = Decimal(value) if isinstance(value, str) else None
    # 'Infinity' is how priceless products sort (last); beyond that, what numeric holds.
    if number is None or number.is_nan() or (number.is_finite() and abs(number.adjusted()) > 1000):
        raise ValueError("not a numeric")
    return value


def _text(value) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a text PostgreSQL can hold")
    return value


_READ = {"bigint": _bigint, "numeric": _numeric, "text": _text, "timestamptz": datetime.fromisoformat}
NOT_OURS = "The cursor is not one this API gave out; start again without it."


def decode(cursor: str, sort: str, key_type: str) -> tuple[str, tuple]:
    """(direction 'after' | 'before', (sort value, id)); a 422 for a cursor that is not ours."""
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        direction, product_id, given_sort = document["d"], document["id"], document["s"]
        if not isinstance(product_id, int) or not 0 <= product_id < 2**63 or direction not in ("after", "before"):
            raise ValueError("not a cursor")
        value = _READ[key_type](document["v"])
    except (ValueError, KeyError, TypeError, ArithmeticError, binascii.Error):
        raise ApiProblem(422, NOT_OURS) from None
    if given_sort != sort:
        raise ApiProblem(422, f"The cursor belongs to sort={given_sort}; use that sort or start again without it.")
    return direction, (value, product_id)
