"""Process fixtures of the fleet tests: every server started is killed at teardown."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """Starts process groups and kills every one of them at teardown."""

    def __init__(self, tmp_path: Path) -> None:
        self._procs: list[tuple[subprocess.Popen[bytes], Any]] = []
        self._tmp = tmp_path

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start ``argv`` in its own session (so its workers die with it), logging to a file."""
        log = open(self._tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed at teardown)
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self._procs.append((proc, log))
        return proc

    def log(self, name: str) -> str:
        """The output of the process started as ``name`` so far."""
        return (self._tmp / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop_all(self) -> None:
        """SIGTERM each group, then SIGKILL what is left."""
        for proc, _ in self._procs:
            _signal_group(proc, signal.SIGTERM)
        for proc, log in self._procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(5)
            _signal_group(proc, signal.SIGKILL)  # stray workers of the group
            log.close()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Start servers; all of them are killed when the test ends, passed or failed."""
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()
