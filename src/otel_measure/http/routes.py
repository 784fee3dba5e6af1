"""The one route table of the REST API: the WSGI app, the ASGI app and OpenAPI read it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "Call", "Param", "Route", "match"]


@dataclass(frozen=True)
class Param:
    """A query parameter: its name (the Python API's argument name) and JSON type.

    ``kind`` is ``number``, ``integer``, ``string`` or ``csv`` (comma-separated strings).
    """

    name: str
    kind: str
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class Call:
    """What a handler gets: path parameters, parsed query parameters and the JSON body."""

    path: Mapping[str, str]
    query: Mapping[str, Any]
    body: Any = None


Handler = Callable[[Any, Call], Any]


@dataclass(frozen=True)
class Route:
    """One operation: method, path template, handler and what OpenAPI says of it.

    ``body`` is the JSON Schema of a POST body; ``text`` marks a text/plain response.
    ``path_params`` that name a resource answer 404 when ``exists`` says it is unknown.
    """

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    query: tuple[Param, ...] = ()
    body: Mapping[str, Any] | None = None
    text: bool = False
    success: int = 200
    exists: Callable[[Any, Mapping[str, str]], str | None] | None = None
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def path_params(self) -> tuple[str, ...]:
        """Names of the ``{...}`` segments, in order."""
        return tuple(re.findall(r"\{(\w+)\}", self.path))

    @property
    def operation_id(self) -> str:
        """A stable id for OpenAPI, from the method and the path."""
        words = re.sub(r"[^a-zA-Z0-9]+", "_", self.path.removeprefix("/api/v1/metrics"))
        return f"{self.method.lower()}{words}".rstrip("_")


def match(routes: tuple[Route, ...], path: str) -> list[tuple[Route, dict[str, str]]]:
    """Every route whose template matches ``path``, first match per method, table order.

    Static segments win: a table lists ``/models/cost`` before ``/models/{model}``.
    """
    found: list[tuple[Route, dict[str, str]]] = []
    methods: set[str] = set()
    for route in routes:
        hit = route.pattern.match(path)
        if hit is not None and route.method not in methods:
            methods.add(route.method)
            found.append((route, hit.groupdict()))
    return found


class ApiError(Exception):
    """A 4xx answer: status, message and optional extra JSON fields."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra
