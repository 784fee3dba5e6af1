"""Runs of consecutive free ports, for ``prometheus_port="first-last"`` tests."""

from __future__ import annotations

import random
import socket

__all__ = ["free_port_range"]


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_range(size: int) -> tuple[int, int]:
    """Return ``(first, last)`` of ``size`` consecutive loopback ports free right now.

    Drawn below the kernel's ephemeral range (32768+), where client sockets land.
    """
    rng = random.Random()
    for _ in range(200):
        first = rng.randrange(20000, 32000 - size)
        if all(_free(p) for p in range(first, first + size)):
            return first, first + size - 1
    raise RuntimeError(f"no run of {size} free ports found")
