"""``otel-measure targets``: the live ``/metrics`` endpoints of a port range, as file_sd.

Worker servers (gunicorn, uvicorn ``--workers``) started with ``prometheus_port`` set
to a range bind one port each. This module probes every port of the range on one host
(a quick ``GET /metrics`` each, in parallel) and writes the ones that answer as
Prometheus ``file_sd`` JSON, which Prometheus re-reads whenever the file changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from otel_measure._converters import PortRange, to_ports

__all__ = ["DEFAULT_TIMEOUT_S", "file_sd", "live_targets", "parse_labels", "parse_ports",
           "render", "write_atomically"]

DEFAULT_TIMEOUT_S = 0.5
"""Seconds each probe waits for ``/metrics`` to answer."""
_PARALLEL = 16
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

Probe = Callable[[str, float], bool]


def parse_ports(value: str) -> list[int]:
    """Return the ports of ``"9464-9471"`` or ``"9464"``.

    Raises:
        ValueError: Not a port in 1..65535 nor a range ``first-last``; the message names
            ``--ports``, the value and what is allowed.
    """
    try:
        ports = to_ports(value)
    except ValueError as exc:
        raise ValueError(f"--ports {value!r} is invalid: {exc}") from None
    if isinstance(ports, PortRange):
        return list(ports)
    if ports == 0:
        raise ValueError(f"--ports {value!r} is invalid: expected a port in 1..65535 or a "
                         "range 'first-last' such as '9464-9471'")
    return [ports]


def parse_labels(items: Sequence[str]) -> dict[str, str]:
    """Return the labels of ``["key=value", ...]`` (``--label``).

    Raises:
        ValueError: An item is not ``key=value`` with a Prometheus label name as key.
    """
    labels: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not _LABEL_NAME.fullmatch(key) or key.startswith("__"):
            raise ValueError(f"--label {item!r} is invalid: expected key=value, key a label "
                             "name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)")
        labels[key] = value
    return labels


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _answers(url: str, timeout_s: float) -> bool:
    """Whether ``url`` answers 200 within ``timeout_s``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return int(response.status) == 200
    except (OSError, ValueError, urllib.error.HTTPError):
        return False


def live_targets(host: str, ports: Sequence[int], *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 probe: Probe | None = None) -> list[str]:
    """Return ``host:port`` of every port whose ``/metrics`` answers 200, in port order.

    Args:
        host: Address the workers bind (``prometheus_host``).
        ports: Ports to probe.
        timeout_s: Seconds each probe waits; a closed port fails at once.
        probe: ``probe(url, timeout_s) -> bool``; a real HTTP GET when omitted.
    """
    if not timeout_s > 0:
        raise ValueError(f"timeout_s={timeout_s!r} is invalid: expected a positive number")
    check = probe or _answers
    addresses = [_address(host, port) for port in ports]
    with ThreadPoolExecutor(min(_PARALLEL, max(1, len(addresses)))) as pool:
        alive = list(pool.map(lambda a: check(f"http://{a}/metrics", timeout_s), addresses))
    return [a for a, ok in zip(addresses, alive, strict=True) if ok]


def file_sd(targets: Sequence[str], labels: Mapping[str, str] | None = None
            ) -> list[dict[str, Any]]:
    """Return the Prometheus ``file_sd`` document of one target group (none: ``[]``)."""
    if not targets:
        return []
    return [{"targets": list(targets), "labels": dict(labels or {})}]


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a rename, so Prometheus never reads half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".targets-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def render(document: list[dict[str, Any]]) -> str:
    """The JSON text of a ``file_sd`` document."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
