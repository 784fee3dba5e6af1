"""A fork after ``setup(prometheus_port=...)``, run in a fresh interpreter.

Usage: ``python -m tests.http.port_range_fork PORTS``. The parent sets up, forks, and the
child reports where it serves; while the child waits, the parent scrapes both endpoints.
Prints one ``ROW {json}`` line per process.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import urllib.request

import otel_measure


def _scrape(url: str | None) -> str | None:
    if url is None:
        return None
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def main(ports: str) -> int:
    """Run the scenario; return the exit status."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    m = otel_measure.setup(service_name="forked", prometheus_port=ports,
                           infrastructure=False, analytics=False)
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child = otel_measure.get_measure()
        child.models.record_inference("child-model", 0.1, 1, 1)
        row = {"role": "child", "pid": os.getpid(), "url": child.endpoints.get("prometheus"),
               "instance": child.resource["service.instance.id"],
               "resource_pid": child.resource["process.pid"]}
        os.write(to_parent_w, json.dumps(row).encode() + b"\n")
        os.read(to_child_r, 1)  # wait until the parent has scraped
        print("ROW " + json.dumps(row), flush=True)
        otel_measure.shutdown()
        os._exit(0)
    m.models.record_inference("parent-model", 0.1, 1, 1)
    child_row = json.loads(os.read(to_parent_r, 65536).decode())
    parent_url = m.endpoints.get("prometheus")
    row = {"role": "parent", "pid": os.getpid(), "url": parent_url,
           "instance": m.resource["service.instance.id"],
           "resource_pid": m.resource["process.pid"],
           "parent_text": _scrape(parent_url), "child_text": _scrape(child_row["url"])}
    os.write(to_child_w, b"x")
    _, status = os.waitpid(pid, 0)
    row["child_status"] = os.waitstatus_to_exitcode(status)
    row["parent_text_after"] = _scrape(parent_url)
    print("ROW " + json.dumps(row), flush=True)
    otel_measure.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
