"""A small PromQL HTTP API client and the OTel-to-Prometheus name translation.

Only the standard library: ``urllib`` against ``/api/v1/query`` of any PromQL store
(Prometheus, VictoriaMetrics, Thanos, Mimir). Names follow the rules of
``opentelemetry-exporter-prometheus``: non ``[a-zA-Z0-9:]`` becomes ``_``, the unit is
mapped (``s`` → ``seconds``, ``By`` → ``bytes``, ``1`` and ``{...}`` → nothing, any other
unit kept as written), counters end in ``_total``.
"""

from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from otel_measure.names.metric import MetricName

__all__ = [
    "PromQLClient",
    "PromQLError",
    "Sample",
    "check_since",
    "label_name",
    "prom_name",
    "series",
]

_INVALID = re.compile(r"[^a-zA-Z0-9:]+")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9]+")
_ANNOTATION = re.compile(r"{.*}")
_UNITS = {"d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds",
          "us": "microseconds", "ns": "nanoseconds", "By": "bytes", "KiBy": "kibibytes",
          "MiBy": "mebibytes", "GiBy": "gibibytes", "m": "meters", "V": "volts",
          "A": "amperes", "J": "joules", "W": "watts", "g": "grams", "Cel": "celsius",
          "Hz": "hertz", "1": "", "%": "percent"}
_DURATION = re.compile(r"^[0-9]+(ms|s|m|h|d|w|y)$")


class PromQLError(RuntimeError):
    """The PromQL store could not be reached or rejected a query."""


def label_name(attribute: str) -> str:
    """Return the Prometheus label of an OTel attribute key (``event.name`` → ``event_name``)."""
    if attribute and attribute[0].isdigit():
        attribute = "_" + attribute[1:]
    return _INVALID_LABEL.sub("_", attribute)


def prom_name(metric: MetricName, suffix: str = "") -> str:
    """Return the Prometheus series name the exporter gives ``metric``.

    Args:
        metric: The declaration from :mod:`otel_measure.names`.
        suffix: ``bucket``, ``sum`` or ``count`` for a histogram's series.
    """
    name = _INVALID.sub("_", metric.name)
    unit = _ANNOTATION.sub("", metric.unit)
    unit = _INVALID.sub("_", _UNITS.get(unit, unit))
    if unit and not name.endswith(unit):
        name = f"{name}_{unit}"
    if metric.kind == "counter":
        name += "_total"
    if suffix:
        if metric.kind != "histogram":
            raise ValueError(f"suffix={suffix!r} is only for histograms; {metric.name} is a "
                             f"{metric.kind}")
        name += f"_{suffix}"
    return name


def series(metric: MetricName, by: Sequence[str], since: str | None = None,
           selector: str = "") -> str:
    """PromQL summing a counter over every process, grouped by attribute keys ``by``.

    Without ``since``: the counters' current cumulative values (exact sums). With it:
    ``increase()`` over that range (extrapolated by the store, so not exact).
    """
    name = prom_name(metric)
    inner = f"{name}{{{selector}}}" if selector else name
    if since is not None:
        inner = f"increase({inner}[{since}])"
    keys = ", ".join(label_name(k) for k in by)
    return f"sum by ({keys}) ({inner})" if keys else f"sum({inner})"


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector: its labels and value."""

    labels: dict[str, str]
    value: float


def _urlopen(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


class PromQLClient:
    """Instant queries against a PromQL store's HTTP API.

    Args:
        url: Base URL, e.g. ``http://localhost:9090`` (a trailing ``/`` is ignored).
        timeout_s: Per-request timeout.
        at: Evaluation time (POSIX seconds) of every query; None for the store's now.
        opener: Fetches a URL (injected in tests); default ``urllib``.

    Raises:
        ValueError: ``url`` is not an http(s) URL or ``timeout_s`` is not positive.
    """

    def __init__(self, url: str, timeout_s: float = 10.0, at: float | None = None,
                 opener: Callable[[str, float], bytes] | None = None) -> None:
        parsed = urllib.parse.urlparse(url if isinstance(url, str) else "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"prometheus={url!r} is not allowed; expected an http(s) URL "
                             "such as http://localhost:9090")
        if not (isinstance(timeout_s, (int, float)) and math.isfinite(timeout_s)
                and timeout_s > 0):
            raise ValueError(f"timeout_s={timeout_s!r} is not allowed; expected seconds > 0")
        self.url = url.rstrip("/")
        self._timeout = float(timeout_s)
        self._at = at
        self._open = opener or _urlopen

    def query(self, promql: str) -> list[Sample]:
        """Run an instant query; return its vector (an empty list when nothing matches).

        Raises:
            PromQLError: The store is unreachable, answers an error, or not a vector.
        """
        params = {"query": promql}
        if self._at is not None:
            params["time"] = repr(self._at)
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}"
        try:
            body = json.loads(self._open(url, self._timeout))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise PromQLError(f"{self.url} rejected {promql!r}: HTTP {exc.code} {detail}") from exc
        except (OSError, ValueError) as exc:
            raise PromQLError(f"cannot query {self.url}: {exc!r}") from exc
        if not isinstance(body, dict) or body.get("status") != "success":
            raise PromQLError(f"{self.url} answered {promql!r} with {str(body)[:300]}")
        data = body.get("data", {})
        if data.get("resultType") != "vector":
            raise PromQLError(f"{promql!r} gave a {data.get('resultType')!r}, not a vector")
        return [Sample({k: v for k, v in r["metric"].items() if k != "__name__"},
                       float(r["value"][1])) for r in data.get("result", [])]


def check_since(since: str | None) -> str | None:
    """Return ``since`` when it is a PromQL duration such as ``1h``, else raise ValueError."""
    if since is None or (isinstance(since, str) and _DURATION.match(since)):
        return since
    raise ValueError(f"since={since!r} is not allowed; expected a PromQL duration such as "
                     "30m, 1h or 7d")
