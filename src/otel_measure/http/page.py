"""The ``/dashboard`` page: HTML, CSS and JavaScript shipped in the package, no CDN."""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["PAGE_PATH", "asset"]

PAGE_PATH = "/dashboard"
_FILES = {
    "/": ("dashboard.html", "text/html; charset=utf-8"),
    PAGE_PATH: ("dashboard.html", "text/html; charset=utf-8"),
    f"{PAGE_PATH}/dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8"),
    f"{PAGE_PATH}/charts.js": ("charts.js", "text/javascript; charset=utf-8"),
    f"{PAGE_PATH}/dashboard.css": ("dashboard.css", "text/css; charset=utf-8"),
}


@cache
def _read(name: str) -> bytes:
    return resources.files("otel_measure.http").joinpath("static").joinpath(name).read_bytes()


def asset(path: str) -> tuple[bytes, str] | None:
    """The bytes and content type served at ``path``, or None when it is not a page asset.

    The page holds no data (it reads the JSON API), so it is served without a token.
    """
    found = _FILES.get(path)
    return None if found is None else (_read(found[0]), found[1])
