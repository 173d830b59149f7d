"""The collector is paused only while a command starts: a program that imports warroom,
and a server once it runs, collect garbage as usual (else memory would only grow)."""

from __future__ import annotations

import subprocess
import sys


def printed(probe: str) -> str:
    """What a fresh interpreter running `probe` prints."""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_importing_the_command_line_leaves_the_collector_on() -> None:
    probe = "import gc, warroom.cli; print(gc.isenabled(), gc.get_freeze_count() > 0)"
    assert printed(probe).split() == ["True", "True"]  # on again; what start-up made is kept


def test_the_collector_resumes_even_when_start_up_fails() -> None:
    probe = (
        "import gc\n"
        "from warroom import startup\n"
        "try:\n"
        "    with startup.collector_paused():\n"
        "        assert not gc.isenabled()\n"
        "        raise RuntimeError('the app could not be built')\n"
        "except RuntimeError:\n"
        "    pass\n"
        "print(gc.isenabled())\n"
    )
    assert printed(probe) == "True"


def test_cycles_made_after_start_up_are_still_collected() -> None:
    """The threshold is raised (warroom.startup), not removed: garbage in cycles goes
    without anyone calling gc.collect()."""
    probe = (
        "import weakref, warroom.cli\n"
        "class Node:\n"
        "    pass\n"
        "first = Node(); first.me = first; gone = weakref.ref(first); del first\n"
        "for _ in range(300_000):\n"
        "    node = Node(); node.me = node\n"
        "print(gone() is None)\n"
    )
    assert printed(probe) == "True"
