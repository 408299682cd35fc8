"""Processes a test starts are always stopped, whatever happens in the test.

Each runs in its own session (its own process group), so that stopping it also stops whatever
it started, and so that a terminal's Ctrl-C reaches pytest alone. Stopping asks first (SIGTERM,
which every Herald process and fake server handles), then, after a timeout, kills the group.
SIGINT is not relied on: a shell starts background jobs with SIGINT ignored, and a child
inherits that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any


def start(command: Sequence[str], **options: Any) -> subprocess.Popen:
    """``subprocess.Popen`` in a new process group."""
    return subprocess.Popen(list(command), start_new_session=True, **options)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop(process: subprocess.Popen, timeout: float = 10) -> int:
    """SIGTERM to the process and its group, then SIGKILL after ``timeout``; its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        code = process.wait(timeout=timeout)
    _signal_group(process, signal.SIGKILL)  # anything it started and left behind
    return code


def stop_all(processes: Sequence[subprocess.Popen], timeout: float = 10) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        stop(process, timeout)


@contextlib.contextmanager
def running(
    command: Sequence[str], timeout: float = 10, **options: Any
) -> Iterator[subprocess.Popen]:
    """``with running([...]) as process:`` — stopped (and its pipes closed) on the way out."""
    process = start(command, **options)
    try:
        yield process
    finally:
        stop(process, timeout)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
