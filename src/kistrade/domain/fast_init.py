"""A faster ``__init__`` for the frozen, slotted dataclasses on the hot paths.

CPython 3.11 builds a frozen dataclass by calling ``object.__setattr__(self, name, value)`` for
each field: a bound-method lookup and a generic attribute set, about 140 ns a field, three to
four times a plain assignment. A slotted class can set each slot through its member descriptor
instead. ``fast_init`` swaps the generated ``__init__`` of a ``@dataclass(frozen=True,
slots=True)`` class for one that does so, with the same signature (parameter order and kinds,
defaults, default factories, ``init=False`` fields) and the same ``__post_init__`` call. The class
is otherwise untouched: it stays frozen (assignment raises ``FrozenInstanceError``), hashable and
comparable as before. Use it outermost::

    @fast_init
    @dataclass(frozen=True, slots=True)
    class PriceLimits: ...

(The values made several times per order, the engine's events and commands and an order's
Transition and OrderFill, are frozen ``msgspec.Struct``s instead: cheaper still to build.)

Classes with ``InitVar`` pseudo-fields are refused (none need it). ``ORIGINAL_INIT`` keeps each
class's dataclass ``__init__``; tests construct every decorated class both ways.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

ORIGINAL_INIT: dict[type, Callable[..., None]] = {}
"""Each decorated class's dataclass-generated ``__init__``."""


def fast_init(cls: type[T]) -> type[T]:
    """``cls`` with an ``__init__`` that sets its slots directly (see the module docstring)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: fast_init is for @dataclass(frozen=True, slots=True) classes")
    all_fields: dict[str, dataclasses.Field[Any]] = cls.__dict__["__dataclass_fields__"]
    if any(f._field_type is dataclasses._FIELD_INITVAR for f in all_fields.values()):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: fast_init does not handle InitVar fields")
    original: Callable[..., None] = cls.__dict__["__init__"]
    namespace: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    args: list[str] = []
    body: list[str] = []
    keyword_only = False
    signature = inspect.signature(original)
    for p in list(signature.parameters.values())[1:]:
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not keyword_only:
            args.append("*")
            keyword_only = True
        if p.default is inspect.Parameter.empty:
            args.append(p.name)
        else:
            namespace[f"_default_{p.name}"] = p.default
            args.append(f"{p.name}=_default_{p.name}")
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        slot = next(k.__dict__[f.name] for k in cls.__mro__ if f.name in k.__dict__)
        namespace[f"_set_{f.name}"] = slot.__set__
        if f.init:
            value = f.name
            if f.default_factory is not dataclasses.MISSING:
                namespace[f"_factory_{f.name}"] = f.default_factory
                value = f"_factory_{f.name}() if {f.name} is _default_{f.name} else {f.name}"
        elif f.default is not dataclasses.MISSING:
            namespace[f"_value_{f.name}"] = f.default
            value = f"_value_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            value = f"_factory_{f.name}()"
        else:
            continue  # init=False without a default: left unset, as dataclasses does
        body.append(f"    _set_{f.name}(self, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(args)}) -> None:\n" + ("\n".join(body) or "    pass") + "\n"
    exec(compile(source, f"<fast_init {cls.__qualname__}>", "exec"), namespace)  # noqa: S102 - code built above
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__signature__ = signature
    ORIGINAL_INIT[cls] = original
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning to a method
    return cls
