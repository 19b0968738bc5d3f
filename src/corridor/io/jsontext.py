"""Strict JSON text: what other tools can read, so never NaN or Infinity (values that are not finite become null)."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["finite", "to_json"]


def finite(value: Any) -> Any:
    """A copy of ``value`` for JSON: NaN and infinities become None, numpy scalars plain numbers, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {
            k if isinstance(k, str | int | float | bool) or k is None else str(k): finite(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return finite(value.item())
    return value


def to_json(data: Any, *, indent: int | None = None) -> str:
    """``data`` as strict JSON (``allow_nan=False``), non-ASCII characters kept; non-finite numbers as null."""
    try:
        return json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere: written as null rather than as invalid JSON
        return json.dumps(finite(data), ensure_ascii=False, indent=indent, allow_nan=False)


def _key(key: Any) -> Any:
    return key if isinstance(key, str | int | float | bool) or key is None else str(key)
