"""A faster `__init__` for frozen slotted dataclasses built in intake's hot loops.

A frozen dataclass's generated `__init__` sets each field with `object.__setattr__(self,
name, value)`, a slot-wrapper call that costs several times a plain attribute store; batch
intake builds some thirty frozen values per order (stock levels, sightings, facts, features,
lines, picks, routing views), and those stores were about 6% of its CPU (issue 13,
benchmarks/README.md). `fast_init` replaces the generated `__init__` with one that sets each
slot through the slot's own descriptor, bound once per class: same parameters, defaults,
default factories, keyword-only fields and `__post_init__`; the instance stays frozen
(assignment still raises `FrozenInstanceError`), and equality, hashing, `repr` and
`dataclasses.replace` are the dataclass's own. The generated one is kept as
`__dataclass_init__` (tests compare the two)."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import MISSING, fields
from typing import Any, TypeVar

T = TypeVar("T")

# dataclasses' own marker for "use the default factory", so signatures read the same.
_FACTORY: Any = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", object())

FAST_INIT: list[type] = []  # every class given the faster __init__


def fast_init(cls: type[T]) -> type[T]:
    """Apply above `@dataclass(frozen=True, slots=True)`."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: fast_init is for frozen dataclasses with slots")
    env: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    annotations: dict[str, Any] = {}
    for i, f in enumerate(fields(cls)):  # type: ignore[arg-type]
        env[f"_set{i}"] = getattr(cls, f.name).__set__  # the slot's member descriptor
        if f.default is not MISSING:
            env[f"_default{i}"] = f.default
        if f.default_factory is not MISSING:
            env[f"_factory{i}"] = f.default_factory
        if not f.init:  # set as the generated __init__ sets it (or left to __post_init__)
            if f.default is not MISSING:
                body.append(f"    _set{i}(self, _default{i})")
            elif f.default_factory is not MISSING:
                body.append(f"    _set{i}(self, _factory{i}())")
            continue
        annotations[f.name] = f.type
        if f.default is not MISSING:
            param, value = f"{f.name}=_default{i}", f.name
        elif f.default_factory is not MISSING:
            param = f"{f.name}=_FACTORY"
            value = f"_factory{i}() if {f.name} is _FACTORY else {f.name}"
        else:
            param, value = f.name, f.name
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    _set{i}(self, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({signature}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, env)
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {**annotations, "return": None}
    if inspect.signature(init) != inspect.signature(cls.__init__):  # InitVar fields, ...
        raise TypeError(f"{cls.__name__}: fast_init cannot reproduce its __init__")
    cls.__dataclass_init__ = cls.__init__  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[method-assign]
    FAST_INIT.append(cls)
    return cls
