"""freeze_startup_objects: a long-running worker keeps what it loaded at start-up out of later collections."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def test_the_objects_alive_at_start_up_are_frozen_once_and_later_garbage_is_still_collected():
    script = """
import gc
from itda.lib.process import freeze_startup_objects

loaded = [[index] for index in range(10_000)]  # start-up objects, alive for the whole process
assert gc.get_freeze_count() == 0
assert freeze_startup_objects() is True
frozen = gc.get_freeze_count()
assert frozen >= 10_000, frozen
assert freeze_startup_objects() is False  # once per process: later objects are not frozen with them
assert gc.get_freeze_count() == frozen

class Cycle:
    pass

def garbage():
    first, second = Cycle(), Cycle()
    first.other, second.other = second, first  # a reference cycle: only the collector frees it

gc.disable()  # so the count below is the whole of it
for _ in range(1000):
    garbage()
assert gc.collect() >= 2000  # made after the freeze: collected as before
gc.enable()
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.django_db
def test_the_check_in_loop_freezes_its_start_up_objects(cast):
    import gc

    call_command("run_checkin_cycle", "--loop", "--iterations", "1", "--interval", "0.01", "--simulate", stdout=io.StringIO())

    assert gc.get_freeze_count() > 0  # the root conftest unfreezes them again after the test
