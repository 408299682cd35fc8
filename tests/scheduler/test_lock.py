"""Exactly one scheduler: a second one cannot take the lock until the first lets go or dies."""

import subprocess
import sys
import textwrap

from sqlalchemy import create_engine

from scheduler.lock import SchedulerLock


def test_second_scheduler_waits_until_the_first_releases(database_url, tmp_path):
    engine = create_engine(database_url)
    first = SchedulerLock(engine, tmp_path / "scheduler.lock")
    second = SchedulerLock(engine, tmp_path / "scheduler.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    engine.dispose()


def test_the_lock_goes_with_a_dead_holder(database_url, tmp_path):
    """A holder killed without cleaning up (here: a child process that exits) frees the lock."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from sqlalchemy import create_engine
        from scheduler.lock import SchedulerLock
        lock = SchedulerLock(create_engine({database_url!r}), Path({str(tmp_path)!r}) / "scheduler.lock")
        assert lock.acquire()
        print("held", flush=True)
        os._exit(0)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "held" in result.stdout, result.stderr
    engine = create_engine(database_url)
    survivor = SchedulerLock(engine, tmp_path / "scheduler.lock")
    assert survivor.acquire()
    survivor.release()
    engine.dispose()
