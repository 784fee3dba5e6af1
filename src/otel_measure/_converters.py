"""Converters of settings: each turns an argument or an environment string into a value.

Each raises ``ValueError`` saying what is allowed; ``otel_measure.config`` adds the
setting's name, where the value came from and the value itself. Top-level settings and
environment-backed domain option fields share these.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from otel_measure.pricing import parse_price_overrides

__all__ = [
    "EXPORTER_CHOICES",
    "INSTRUMENT_CHOICES",
    "OTLP_PROTOCOLS",
    "PortRange",
    "ms_seconds",
    "to_attributes",
    "to_bool",
    "to_capture_content",
    "to_endpoint",
    "to_exporters",
    "to_headers",
    "to_instrument",
    "to_limit",
    "to_logs_exporters",
    "to_names",
    "to_opt_str",
    "to_port",
    "to_ports",
    "to_price_file",
    "to_protocol",
    "to_seconds",
    "to_secret",
    "to_traces_exporters",
]

EXPORTER_CHOICES = ("prometheus", "otlp", "console", "none")
OTLP_PROTOCOLS = ("grpc", "http/protobuf")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
# OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is shared with OpenTelemetry's GenAI
# instrumentations, which also accept these modes; content goes on spans in two of them.
_CAPTURE_MODES = {"no_content": False, "span_only": True, "event_only": False,
                  "span_and_event": True}


def to_bool(value: Any) -> bool:
    """Return a boolean from a bool or one of 1/0, true/false, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("expected true or false")


def to_capture_content(value: Any) -> bool:
    """Return a boolean, or whether a GenAI capture mode puts content on spans."""
    if isinstance(value, str) and value.strip().lower() in _CAPTURE_MODES:
        return _CAPTURE_MODES[value.strip().lower()]
    try:
        return to_bool(value)
    except ValueError:
        raise ValueError("expected true or false, or one of NO_CONTENT, SPAN_ONLY, "
                         "EVENT_ONLY, SPAN_AND_EVENT") from None


def to_opt_str(value: Any) -> str | None:
    """Return the stripped string, or None when empty or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value.strip() or None


def to_exporters(value: Any) -> tuple[str, ...]:
    """Return the exporter names of a list or comma list ('none' gives none)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise ValueError(f"expected a list of {', '.join(EXPORTER_CHOICES)}")
    out: list[str] = []
    for raw in items:
        name = str(raw).strip().lower()
        if not name:
            continue
        if name not in EXPORTER_CHOICES:
            raise ValueError(f"unknown exporter {name!r}; allowed: {', '.join(EXPORTER_CHOICES)}")
        if name not in out:
            out.append(name)
    if "none" in out and len(out) > 1:
        raise ValueError("'none' cannot be combined with other exporters")
    return tuple(n for n in out if n != "none")


def to_port(value: Any) -> int:
    """Return a port number in 0..65535."""
    try:
        port = int(value) if not isinstance(value, bool) else -1
    except (TypeError, ValueError):
        port = -1
    if isinstance(value, float) and not value.is_integer():
        port = -1
    if not 0 <= port <= 65535:
        raise ValueError("expected a port number in 0..65535 (0 picks a free port)")
    return port


@dataclass(frozen=True)
class PortRange:
    """An inclusive range of ports (``"9464-9471"``): each process binds the first free one."""

    first: int
    last: int

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.first, self.last + 1))

    def __len__(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


def to_ports(value: Any) -> int | PortRange:
    """Return a port number, or a :class:`PortRange` from ``"first-last"``."""
    if isinstance(value, str) and "-" in value.strip().lstrip("-"):
        first, _, last = value.strip().partition("-")
        try:
            low, high = to_port(first), to_port(last)
        except ValueError:
            low = high = 0
        if not 0 < low <= high:
            raise ValueError("expected a port number in 0..65535 (0 picks a free port) or a "
                             "range 'first-last' of ports in 1..65535, first <= last")
        return PortRange(low, high)
    try:
        return to_port(value)
    except ValueError:
        raise ValueError("expected a port number in 0..65535 (0 picks a free port) or a "
                         "range 'first-last' such as '9464-9471'") from None


def to_seconds(value: Any, *, from_ms: bool) -> float:
    """Return a positive number of seconds (environment strings in ms when ``from_ms``)."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        number = number / 1000.0 if from_ms else number
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        unit = "milliseconds in the environment, seconds as an argument" if from_ms else "seconds"
        raise ValueError(f"expected a positive number ({unit})")
    return number


def ms_seconds(value: Any) -> float:
    """Return seconds from an argument in seconds or a variable in milliseconds."""
    return to_seconds(value, from_ms=True)


def to_endpoint(value: Any) -> str | None:
    """Return an http(s) URL, or None when empty."""
    text = to_opt_str(value)
    if text is None:
        return None
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError("expected an http:// or https:// URL such as http://localhost:4317")
    return text


def to_protocol(value: Any) -> str:
    """Return an OTLP protocol: grpc or http/protobuf."""
    text = str(value).strip().lower()
    if text not in OTLP_PROTOCOLS:
        raise ValueError(f"expected one of {', '.join(OTLP_PROTOCOLS)}")
    return text


def to_headers(value: Any) -> tuple[tuple[str, str], ...]:
    """Return sorted header pairs from a mapping or 'k=v,k2=v2' (percent-decoded)."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    elif isinstance(value, str):
        pairs = []
        for item in value.split(","):
            if not item.strip():
                continue
            key, sep, val = item.partition("=")
            if not sep or not key.strip():
                raise ValueError("expected key=value pairs separated by commas")
            pairs.append((unquote(key.strip()), unquote(val.strip())))
    else:
        raise ValueError("expected a mapping or 'key=value,key2=value2'")
    return tuple(sorted(pairs))


def to_attributes(value: Any) -> tuple[tuple[str, str | bool | int | float], ...]:
    """Return sorted resource attribute pairs from a mapping."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping of attribute name to str, bool, int or float")
    for key, val in value.items():
        if not isinstance(key, str) or not isinstance(val, (str, bool, int, float)):
            raise ValueError(f"attribute {key!r}={val!r} is not str -> str|bool|int|float")
    return tuple(sorted(value.items()))


def to_limit(value: Any) -> int:
    """Return a positive integer."""
    try:
        limit = int(value) if not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        limit = 0
    if limit < 1:
        raise ValueError("expected a positive integer")
    return limit


def to_names(value: Any) -> tuple[str, ...]:
    """Return the distinct non-empty names of a list or comma list (at least one)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise ValueError("expected a comma-separated list of names")
    names = tuple(dict.fromkeys(i.strip() for i in items if i.strip()))
    if not names:
        raise ValueError("expected a comma-separated list of one or more names")
    return names


def to_secret(value: Any) -> str:
    """Return a non-empty secret string unchanged."""
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value  # verbatim: stripping a key would change every pseudonym


def to_price_file(value: Any) -> str | None:
    """Return the path of a JSON price file that parses, or None when empty."""
    path = to_opt_str(value)
    try:
        parse_price_overrides(path, "file", "pricing_file")
    except ValueError as exc:
        raise ValueError(f"expected a JSON price file: {exc}") from None
    return path


INSTRUMENT_CHOICES = ("openai", "anthropic")


def to_logs_exporters(value: Any) -> tuple[str, ...]:
    """Return the log record exporters of a list or comma list (``prometheus`` takes none)."""
    names = to_exporters(value)
    if "prometheus" in names:
        raise ValueError("'prometheus' takes no logs; allowed: otlp, console, none")
    return names


def to_traces_exporters(value: Any) -> tuple[str, ...]:
    """Return the span exporters of a list or comma list (``prometheus`` takes no spans)."""
    names = to_exporters(value)
    if "prometheus" in names:
        raise ValueError("'prometheus' takes no spans; allowed: otlp, console, none")
    return names


def to_instrument(value: Any) -> tuple[str, ...]:
    """Return the client libraries of a list or comma list; each must be installed."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"expected a list of {', '.join(INSTRUMENT_CHOICES)}")
    out: list[str] = []
    for raw in items:
        name = str(raw).strip().lower()
        if not name or name in out:
            continue
        if name not in INSTRUMENT_CHOICES:
            raise ValueError(f"unknown library {name!r}; allowed: {', '.join(INSTRUMENT_CHOICES)}")
        if importlib.util.find_spec(name) is None:
            raise ValueError(f"the {name!r} package is not installed: "
                             f"pip install 'otel-measure[{name}]'")
        out.append(name)
    return tuple(out)
