"""Checks on values a client sends, made before they reach the database, so that bad input is a clear 4xx
and never a database error: Postgres text cannot hold NUL characters, numeric columns have a precision,
bigint cursors a range, and DMS metadata (stored as JSON and served back on every document) a size and a
nesting depth. Each check raises ValueError with a message meant for the client."""

from __future__ import annotations

import json
import math
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

# The largest value of a Postgres bigint (entity and delivery ids are bigint identities).
MAX_BIGINT = 2**63 - 1


def refuse_nul(value: str) -> str:
    """`value` unchanged, or ValueError: Postgres text columns cannot store U+0000."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\x00)")
    return value


def bounded_decimal(raw: str | Decimal, precision: int, scale: int) -> Decimal:
    """`raw` as a finite Decimal that a Numeric(precision, scale) column can be compared with without
    overflowing: at most precision - scale digits before the decimal point and scale after it."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    whole = precision - scale
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a finite number")
    if value.is_zero():
        return Decimal(0)  # 0E+999999 is zero, whatever its exponent
    # adjusted(): the exponent of the leading digit, computed without a decimal context (abs() or a
    # comparison with 10 ** whole could overflow the context for 1E+999999999).
    if value.adjusted() >= whole:
        raise ValueError(f"{raw!r} is too large: at most {whole} digits before the decimal point")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > scale and value != value.quantize(Decimal(1).scaleb(-scale)):
        raise ValueError(f"{raw!r} has too many decimals: at most {scale}")
    return value


def bigint_cursor(raw: str) -> int:
    """A cursor that is an id: decimal digits naming a bigint."""
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_BIGINT:
        raise ValueError("invalid cursor")
    return int(raw)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    # Python's own guard against quadratic int parsing; said plainly instead of its advice to raise it.
    limit = sys.get_int_max_str_digits()
    if len(text.lstrip("-")) > limit:
        raise ValueError(f"an integer has more than {limit} digits")
    return int(text)


def parse_metadata(raw: str, max_bytes: int, max_depth: int) -> dict[str, Any]:
    """DMS metadata sent as a JSON text: an object of at most `max_bytes` (UTF-8) and `max_depth` levels of
    nesting (the object itself is level 1), finite numbers only and no NUL characters."""
    if len(raw.encode("utf-8", errors="surrogatepass")) > max_bytes:
        raise ValueError(f"metadata exceeds {max_bytes} bytes")
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_bounded_int)
    except RecursionError:
        raise ValueError(f"metadata is nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise ValueError(f"metadata is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("metadata must be a JSON object")
    _check_tree(value, max_depth)
    return value


def _check_tree(root: dict[str, Any], max_depth: int) -> None:
    # Iterative: the tree is only as deep as the size cap allows, but a recursive walk would still be
    # one more place where depth can hurt.
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise ValueError(f"metadata is nested deeper than {max_depth} levels")
            children = list(node.values()) if isinstance(node, dict) else node
            if isinstance(node, dict):
                for key in node:
                    _no_nul_in_metadata(key)
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(node, str):
            _no_nul_in_metadata(node)


def _no_nul_in_metadata(text: str) -> None:
    if "\x00" in text:
        raise ValueError("metadata must not contain NUL characters (\\u0000)")
    # A lone surrogate ("\ud800") is valid JSON text but no UTF-8: the database cannot store it either.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("metadata must not contain unpaired surrogates (\\ud800 to \\udfff)") from None
