"""The one cattrs converter that turns Zonos JSON into models.

It is lenient where Zonos is loose (numbers or numeric strings for money, ``""``
or ``null`` for "no value", unknown keys) and strict where a wrong guess would
hurt (a missing order id, status or test flag fails loudly).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Optional, TypeVar

import attrs
from cattrs import Converter
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from ._models import (
    Item,
    Note,
    Order,
    OrderNumbersPage,
    OrderSummary,
    Payment,
    PromoCode,
    UpdateResult,
)
from ._status import OrderStatus

__all__ = [
    "RAW_KEY",
    "converter",
    "describe_error",
    "json_key",
    "make_converter",
    "parse_timestamp",
]

T = TypeVar("T")

RAW_KEY = "\x00raw"
"""Where structuring finds the whole JSON object, for each model's ``raw``."""

# Keys that do not follow the plain snake_case <-> camelCase rule.
_RENAMES: dict[type, dict[str, str]] = {
    Order: {"id": "orderId", "status": "orderStatus", "payment": "paymentProcessing"},
    OrderSummary: {
        "placed_at": "timestamp",
        "status": "orderStatus",
        "status_changed_at": "orderStatusDate",
        "status_date_string": "orderStatusDateString",
    },
}

_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?")


_LARGEST_EXPONENT = 15


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def json_key(cls: type, attribute: str) -> str:
    """The JSON key a model's attribute is read from."""
    return _RENAMES.get(cls, {}).get(attribute) or _camel(attribute)


def describe_error(exc: BaseException, path: str = "$") -> list[str]:
    """Each problem inside a cattrs error as ``"what @ $.json.path[3].key"``."""
    if isinstance(exc, ClassValidationError):
        problems = []
        for inner in exc.exceptions:
            named = [
                n for n in getattr(inner, "__notes__", []) if isinstance(n, AttributeValidationNote)
            ]
            where = f"{path}.{json_key(exc.cl, named[0].name)}" if named else path
            problems.extend(describe_error(inner, where))
        return problems
    if isinstance(exc, IterableValidationError):
        problems = []
        for inner in exc.exceptions:
            indexed = [
                n for n in getattr(inner, "__notes__", []) if isinstance(n, IterableValidationNote)
            ]
            where = f"{path}[{indexed[0].index}]" if indexed else path
            problems.extend(describe_error(inner, where))
        return problems
    if isinstance(exc, KeyError):
        return [f"required field missing @ {path}"]
    return [f"{exc} @ {path}"]


def parse_timestamp(value: object) -> datetime:
    """Zonos times as aware UTC datetimes: ``yyyy-MM-dd HH:mm:ss[.f]`` or epoch milliseconds."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(int(_decimal(value)) / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch milliseconds out of range: {value!r}") from None
    if isinstance(value, str):
        match = _TIMESTAMP.fullmatch(value.strip())
        if match:
            year, month, day, hour, minute, second, fraction = match.groups()
            # Equivalent mutant: padding to 7 before taking 6 digits gives the same number.
            micro = int((fraction or "0").ljust(6, "0")[:6])  # pragma: no mutate
            return datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                tzinfo=timezone.utc,
            )  # fmt: skip
    raise ValueError(f"not a Zonos timestamp: {value!r}")


def _text(value: object, _: object = None) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def _optional_text(value: object, _: object) -> str | None:
    if value is None or value == "":
        return None
    return _text(value)


def _decimal(value: object, _: object = None) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if result and result.adjusted() > _LARGEST_EXPONENT:
        # No order has a quadrillion of anything; refusing here keeps 1e999999999 from
        # costing minutes of CPU when someone turns it into an int.
        raise ValueError(f"number out of range: {value!r}")
    return result


def _optional_decimal(value: object, _: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return _decimal(value)


def _integer(value: object, _: object = None) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    number = _decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"expected an integer, got {value!r}")
    return int(number)


def _optional_integer(value: object, _: object) -> int | None:
    if value is None or value == "":
        return None
    return _integer(value)


def _boolean(value: object, _: object = None) -> bool:
    if isinstance(value, bool):
        return value
    # The legacy XML API sent "true"/"false"; accept the strings, nothing looser.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected a boolean, got {value!r}")


def _status(value: object, _: object = None) -> OrderStatus:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a status name, got {value!r}")
    return OrderStatus(value)


def _optional_timestamp(value: object, _: object) -> datetime | None:
    if value is None or value == "":
        return None
    return parse_timestamp(value)


def _tuple_of(item_type: type[T], conv: Converter) -> Callable[[object, object], tuple[T, ...]]:
    def structure(value: object, _: object) -> tuple[T, ...]:
        # Looked up per call: the element's own hook is registered after this one.
        element_hook = conv.get_structure_hook(item_type)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        try:
            # Equivalent mutants (here and below): the model hooks ignore the type argument.
            return tuple([element_hook(entry, item_type) for entry in value])  # pragma: no mutate
        except Exception:  # redone slowly below, to say which entry failed
            pass
        results: list[T] = []
        errors: list[Exception] = []
        for index, entry in enumerate(value):
            try:
                results.append(element_hook(entry, item_type))  # pragma: no mutate
            except Exception as exc:
                # Equivalent mutants down to "end", and in the raise: describe_error reads only
                # the note's index, a model hook's error has no notes of its own to keep, and
                # nothing reads the group's message or type.
                # pragma: no mutate start
                note = IterableValidationNote(f"Structuring entry #{index}", index, item_type)
                # What Exception.add_note (3.11+) does.
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
                # pragma: no mutate end
                errors.append(exc)
        # pragma: no mutate block
        raise IterableValidationError(
            f"While structuring a list of {item_type.__name__}", errors, list
        )

    return structure


def _is(expected: object) -> Callable[[object], bool]:
    return lambda candidate: candidate == expected


def make_converter(*, forbid_extra_keys: bool = False) -> Converter:
    """Build the converter; ``forbid_extra_keys=True`` (for tests) proves every key is modelled."""
    # Equivalent mutants down to "end": detailed validation is cattrs' default, and cattrs
    # reads a hook's type from its return annotation when the type is left out.
    # pragma: no mutate start
    conv = Converter(detailed_validation=True, forbid_extra_keys=forbid_extra_keys)
    conv.register_structure_hook(str, _text)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook(int, _integer)
    conv.register_structure_hook(bool, _boolean)
    # pragma: no mutate end
    conv.register_structure_hook(datetime, lambda value, _: parse_timestamp(value))
    conv.register_structure_hook(OrderStatus, _status)  # pragma: no mutate (as above)
    conv.register_structure_hook_func(
        lambda t: t == Optional[OrderStatus],  # noqa: UP045
        lambda value, _: None if value is None or value == "" else _status(value),
    )
    for optional, hook in (
        (Optional[str], _optional_text),  # noqa: UP045 (the typing form is what attrs reports)
        (Optional[Decimal], _optional_decimal),  # noqa: UP045
        (Optional[int], _optional_integer),  # noqa: UP045
        (Optional[datetime], _optional_timestamp),  # noqa: UP045
    ):
        conv.register_structure_hook_func(_is(optional), hook)
    for element in (Item, Note, OrderSummary):
        conv.register_structure_hook_func(_is(tuple[element, ...]), _tuple_of(element, conv))  # type: ignore[valid-type]

    for cls in (
        Order,
        OrderSummary,
        OrderNumbersPage,
        Item,
        Note,
        Payment,
        PromoCode,
        UpdateResult,
    ):
        conv.register_structure_hook(cls, _model_hook(cls, conv))
    return conv


def _as_is(value: Any, _: object) -> Any:
    return value


def _model_hook(cls: Any, conv: Converter) -> Callable[[Mapping[str, Any], object], Any]:
    # Not equivalent, but only seen at import (without it: "Unsupported type: 'str'"); mutmut's
    # workers fork after the import, so no test can notice.
    attrs.resolve_types(cls)  # pragma: no mutate
    renames = _RENAMES.get(cls, {})
    overrides = {
        a.name: override(rename=renames.get(a.name, _camel(a.name))) for a in attrs.fields(cls)
    }
    if "raw" in overrides:
        # The JSON object itself, not a copy made key by key (measured: a fifth of the cost).
        # Equivalent mutants: without _as_is, cattrs copies the mapping: slower, the same data.
        overrides["raw"] = override(rename=RAW_KEY, struct_hook=_as_is)  # pragma: no mutate
    if "response" in overrides:
        overrides["response"] = override(omit=True)  # the session's, never the JSON's
    structure = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

    def hook(value: Mapping[str, Any], _: object) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {type(value).__name__}")
        with_raw = dict(value)
        with_raw[RAW_KEY] = value
        # Equivalent mutants: cattrs' generated function defaults its type argument, unused.
        return structure(with_raw, cls)  # pragma: no mutate

    return hook


converter: Converter = make_converter()
"""The library's converter (tests build a strict one with ``make_converter``)."""
