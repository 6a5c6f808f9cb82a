"""The package's surface: what is exported, from where, in what order."""

from __future__ import annotations

import inspect
import typing

import pytest

import zonos_async
from zonos_async import _errors, _models, _retry, _session, _status, protocol

MODULES = [_errors, _models, _retry, _session, _status, protocol]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_each_module_s_all_is_sorted_and_real(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    assert [name for name in names if not hasattr(module, name)] == []


def test_the_package_exports_its_modules_public_names_sorted() -> None:
    names = zonos_async.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for module in MODULES[:-1]:
        assert set(module.__all__) <= set(names), module.__name__  # type: ignore[attr-defined]
    assert "protocol" in names and zonos_async.protocol is protocol
    assert all(hasattr(zonos_async, name) for name in names)


def test_what_the_public_signatures_use_is_exported() -> None:
    for name in ("Unset", "UNSET", "TimeoutTypes", "RetryTypes", "DateTypes", "RetryHook"):
        assert name in zonos_async.__all__
    assert isinstance(zonos_async.UNSET, zonos_async.Unset)
    assert "make_converter" not in zonos_async.__all__  # not injectable, so not offered
    hints = typing.get_type_hints(zonos_async.Session.order_numbers)
    assert hints["since_date"] == zonos_async.DateTypes | None
    assert hints["timeout"] == zonos_async.TimeoutTypes | zonos_async.Unset


def test_every_exported_class_and_function_has_a_docstring() -> None:
    missing = [
        name
        for name in zonos_async.__all__
        if (inspect.isclass(obj := getattr(zonos_async, name)) or inspect.isfunction(obj))
        and typing.get_origin(obj) is None  # a type alias such as RetryHook (a class on 3.10)
        and not inspect.getdoc(obj)
    ]
    assert missing == []
