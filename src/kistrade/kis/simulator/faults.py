"""Fault injection state shared by the REST handlers, the WebSocket server and ``/sim/faults``.

Two equivalent forms configure it:

- JSON (``POST /sim/faults``): ``{"http500_rate": 0.1, "egw00201_rate": 0.05, "latency_ms": 50,
  "pingpong": false, "drop_ws": true, "expire_tokens": true, "reset": true}`` (every key optional);
- a spec string (``kistrade sim --faults``): ``"http500=0.1,egw00201=0.05,latency=50,pingpong=off,
  drop_ws,expire_tokens"``.

What the WebSocket side reads: ``pingpong_stopped`` (skip PINGPONG frames while True),
``latency_ms`` (delay before each outgoing frame), and drops: ``drop_generation`` increases on
every "drop all sessions now" and registered drop listeners are called synchronously.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kistrade.domain.errors import InvalidInputError

DropListener = Callable[[], None]

_ON = {"1", "on", "true", "yes", "y"}
_OFF = {"0", "off", "false", "no", "n"}


def _rate(name: str, value: object) -> float:
    try:
        rate = float(str(value))
    except ValueError:
        raise InvalidInputError(f"fault {name}={value!r} is not a number between 0 and 1") from None
    if not 0.0 <= rate <= 1.0:
        raise InvalidInputError(f"fault {name}={rate} must be between 0 and 1")
    return rate


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise InvalidInputError(f"fault {name}={value!r} must be on/off (true/false)")


@dataclass(slots=True)
class FaultState:
    http500_rate: float = 0.0  # share of TR requests answered HTTP 500 EGW00002
    egw00201_rate: float = 0.0  # share of TR requests answered with the rate-limit error
    latency_ms: int = 0  # added to every REST reply and outgoing WS frame
    pingpong_stopped: bool = False
    drop_generation: int = 0
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _drop_listeners: list[DropListener] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"faults:{self.seed}")

    # reads ---------------------------------------------------------------------------------
    def roll_http500(self) -> bool:
        return self.http500_rate > 0 and self._rng.random() < self.http500_rate

    def roll_egw00201(self) -> bool:
        return self.egw00201_rate > 0 and self._rng.random() < self.egw00201_rate

    @property
    def latency_s(self) -> float:
        return self.latency_ms / 1000.0

    # WS drops ------------------------------------------------------------------------------
    def add_drop_listener(self, listener: DropListener) -> None:
        self._drop_listeners.append(listener)

    def remove_drop_listener(self, listener: DropListener) -> None:
        if listener in self._drop_listeners:
            self._drop_listeners.remove(listener)

    def drop_ws_sessions(self) -> None:
        """Ask the WebSocket server to close every open session now."""
        self.drop_generation += 1
        for listener in list(self._drop_listeners):
            listener()

    # configuration -------------------------------------------------------------------------
    def reset(self) -> None:
        self.http500_rate = 0.0
        self.egw00201_rate = 0.0
        self.latency_ms = 0
        self.pingpong_stopped = False

    def apply(self, spec: dict[str, Any], expire_tokens: Callable[[], object] | None = None) -> list[str]:
        """Apply a JSON fault spec; returns the actions performed (for the admin reply)."""
        known = {
            "http500_rate",
            "egw00201_rate",
            "latency_ms",
            "pingpong",
            "drop_ws",
            "expire_tokens",
            "reset",
        }
        unknown = sorted(set(spec) - known)
        if unknown:
            raise InvalidInputError(f"unknown fault key(s) {unknown}; known: {sorted(known)}")
        done: list[str] = []
        if spec.get("reset"):
            self.reset()
            done.append("reset")
        if "http500_rate" in spec:
            self.http500_rate = _rate("http500_rate", spec["http500_rate"])
        if "egw00201_rate" in spec:
            self.egw00201_rate = _rate("egw00201_rate", spec["egw00201_rate"])
        if "latency_ms" in spec:
            try:
                latency = int(str(spec["latency_ms"]))
            except ValueError:
                raise InvalidInputError(
                    f"fault latency_ms={spec['latency_ms']!r} is not an integer"
                ) from None
            if not 0 <= latency <= 60_000:
                raise InvalidInputError(f"fault latency_ms={latency} must be within 0-60000")
            self.latency_ms = latency
        if "pingpong" in spec:
            self.pingpong_stopped = not _flag("pingpong", spec["pingpong"])
        if spec.get("drop_ws") and _flag("drop_ws", spec["drop_ws"]):
            self.drop_ws_sessions()
            done.append("drop_ws")
        if spec.get("expire_tokens") and _flag("expire_tokens", spec["expire_tokens"]):
            if expire_tokens is not None:
                expire_tokens()
            done.append("expire_tokens")
        return done

    def as_dict(self) -> dict[str, object]:
        return {
            "http500_rate": self.http500_rate,
            "egw00201_rate": self.egw00201_rate,
            "latency_ms": self.latency_ms,
            "pingpong": not self.pingpong_stopped,
            "drop_generation": self.drop_generation,
        }


_STRING_KEYS = {
    "http500": "http500_rate",
    "http500_rate": "http500_rate",
    "egw00201": "egw00201_rate",
    "egw00201_rate": "egw00201_rate",
    "latency": "latency_ms",
    "latency_ms": "latency_ms",
    "pingpong": "pingpong",
}
_STRING_ACTIONS = {
    "drop_ws": "drop_ws",
    "expire_tokens": "expire_tokens",
    "nopingpong": "pingpong",
    "reset": "reset",
}


def parse_fault_spec(text: str) -> dict[str, Any]:
    """``"http500=0.1,egw00201=0.05,latency=50,pingpong=off,drop_ws"`` -> the JSON form."""
    spec: dict[str, Any] = {}
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip().lower().replace("-", "_")
        if sep:
            if name not in _STRING_KEYS:
                raise InvalidInputError(f"unknown fault {name!r} in {text!r}; known: {sorted(_STRING_KEYS)}")
            spec[_STRING_KEYS[name]] = value.strip()
        elif name in _STRING_ACTIONS:
            spec[_STRING_ACTIONS[name]] = name != "nopingpong"
        else:
            raise InvalidInputError(
                f"fault {name!r} in {text!r} needs a value (name=value) "
                f"or is one of {sorted(_STRING_ACTIONS)}"
            )
    return spec


__all__ = ["DropListener", "FaultState", "parse_fault_spec"]
