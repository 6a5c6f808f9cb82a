"""JSON with exact numbers: Zonos' money is read as ``Decimal`` and written back digit for digit."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal

__all__ = ["dumps_exact", "loads_exact"]


def loads_exact(text: str | bytes) -> object:
    """Parse JSON with every non-integer number a ``Decimal`` (the inverse of ``dumps_exact``)."""
    return json.loads(text, parse_float=Decimal)


def _encode(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(json.dumps(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


_PLACEHOLDER = re.compile(r'"\\u0000([-+.0-9Ee]+)\\u0000"')


def dumps_exact(value: object) -> str:
    """Compact JSON in which a ``Decimal`` is written as the number it is, digit for digit.

    ``json.dumps`` would need floats (and lose ``12.10``'s trailing zero, or worse); Zonos'
    money is read as ``Decimal`` and goes back out unchanged.
    """
    # Fast path: the C encoder walks the object; each Decimal becomes a NUL-fenced string
    # that is then unquoted. Text that already held such a fence falls back to the slow path.
    count = 0

    def fence(item: object) -> object:
        nonlocal count
        if isinstance(item, Decimal) and item.is_finite():
            count += 1
            return f"\x00{item}\x00"
        if isinstance(item, Mapping):
            return dict(item)
        raise TypeError(f"cannot write {type(item).__name__} as JSON")

    text = json.dumps(
        value, default=fence, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    if count == 0 and "\\u0000" not in text:
        return text
    result, replaced = _PLACEHOLDER.subn(r"\1", text)
    if replaced == count and "\\u0000" not in result:
        return result
    out: list[str] = []
    _encode(value, out)
    return "".join(out)
