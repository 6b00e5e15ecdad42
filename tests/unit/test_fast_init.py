"""fast_init: the same construction as the dataclass __init__ it replaces, for purpose-built
classes with every kind of field and for every class of the code base that uses it."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import pytest

import kistrade
from kistrade.domain.fast_init import ORIGINAL_INIT, fast_init


@dataclass(frozen=True, slots=True)
class Base:
    a: int
    b: str = "b"


@dataclass(frozen=True, slots=True)
class Every(Base):
    c: list[int] = field(default_factory=lambda: [1])
    d: int = field(default=4, init=False)
    e: list[int] = field(default_factory=list, init=False)
    f: int = field(default=6, kw_only=True)
    g: tuple[int, ...] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError(f"a {self.a} is negative")
        object.__setattr__(self, "g", (*self.g, self.a))


original = Every.__init__
fast_init(Every)


def _both(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    fast = Every(*args, **kwargs)
    slow = object.__new__(Every)
    original(slow, *args, **kwargs)
    return fast, slow


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((1, "x"), {}), ((1, "x", [9]), {"f": 7, "g": (3,)}), ((), {"a": 2, "c": [], "b": "y"})],
)
def test_every_kind_of_field_is_set_as_the_dataclass_does(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    fast, slow = _both(*args, **kwargs)
    assert fast == slow and repr(fast) == repr(slow) and hash((fast.a, fast.g)) == hash((slow.a, slow.g))
    assert fast.c is not Every(1).c  # a fresh default per instance


def test_errors_are_the_dataclass_errors() -> None:
    with pytest.raises(ValueError, match="a -1 is negative"):
        Every(-1)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        Every()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Every(1, "b", [], 5)  # type: ignore[misc] # f is keyword-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        Every(1).a = 2  # type: ignore[misc]


def test_only_frozen_slotted_dataclasses() -> None:
    @dataclass(slots=True)
    class Mutable:
        a: int

    @dataclass(frozen=True)
    class NoSlots:
        a: int

    for cls in (Mutable, NoSlots):
        with pytest.raises(TypeError, match="frozen=True, slots=True"):
            fast_init(cls)


def _import_all() -> None:
    for mod in pkgutil.walk_packages(kistrade.__path__, "kistrade."):
        if mod.name.startswith(("kistrade.cli", "kistrade.interfaces", "kistrade.__main__")):
            continue
        importlib.import_module(mod.name)


def test_every_decorated_class_builds_as_its_dataclass_init_does() -> None:
    """Each parameter gets a distinct token; both inits must store the same fields (or fail the
    same way in ``__post_init__``)."""
    _import_all()
    # the walk imported the package: its decorated classes are there besides this module's
    assert any(cls.__module__.startswith("kistrade.") for cls in ORIGINAL_INIT)
    for cls, init in ORIGINAL_INIT.items():
        if cls is Every:
            continue
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        kwargs = {n: (n, id(cls)) for n in names}
        fast = object.__new__(cls)
        slow = object.__new__(cls)
        try:
            init(slow, **kwargs)
        except Exception as exc:  # a __post_init__ that checks its values
            with pytest.raises(type(exc)):
                cls(**kwargs)
            continue
        cls.__init__(fast, **kwargs)
        assert repr(fast) == repr(slow), cls
        for f in dataclasses.fields(cls):
            assert getattr(fast, f.name) == getattr(slow, f.name), (cls, f.name)
