"""Running a program with no shell, a timeout and a cap on the output kept.

Used by diagnostic actions and `command` health checks. The program gets its own
process group, so a timeout ends it and whatever it started; its output (stdout and
stderr together) is read as it comes, keeping the first `cap` characters and draining
the rest, so a chatty program neither blocks on a full pipe nor fills memory. Never
raises for the program's sake: a missing program or a timeout is an outcome.

The program gets warroom's environment without its own settings (`WARROOM_*`: the
database URL, keys), plus the variables the admin declared for it (`env`), so a
password need not appear on a command line."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CHUNK = 65536


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    exit_code: int | None  # None: it did not run, or was ended at the timeout
    output: str
    truncated: bool
    timed_out: bool
    seconds: float
    error: str | None = None  # why it did not run (no such program, …)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def describe(self) -> str:
        if self.error:
            return self.error
        if self.timed_out:
            return f"timed out after {self.seconds:.1f}s"
        return f"exit {self.exit_code}"


def environment(declared: Mapping[str, str]) -> dict[str, str]:
    """What a program runs with: this process's environment but warroom's settings, and
    the declared variables."""
    own = {k: v for k, v in os.environ.items() if not k.upper().startswith("WARROOM_")}
    return own | dict(declared)


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    cap: int,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CommandOutcome:
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=environment(env or {}),
            start_new_session=True,
        )
    except FileNotFoundError:
        return _not_run(f"no such program: {argv[0]!r}", started)
    except PermissionError:
        return _not_run(f"not allowed to run {argv[0]!r}", started)
    except OSError as exc:
        return _not_run(f"could not run {argv[0]!r}: {exc.strerror or exc}", started)
    kept = bytearray()
    seen = [0]
    reader = threading.Thread(target=_read, args=(process, kept, seen, cap * 4), daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    reader.join(timeout=2)
    text = kept.decode("utf-8", errors="replace")
    truncated = len(text) > cap or seen[0] > len(kept)
    return CommandOutcome(
        exit_code=None if timed_out else process.returncode,
        output=text[:cap],
        truncated=truncated,
        timed_out=timed_out,
        seconds=time.monotonic() - started,
    )


def _read(process: subprocess.Popen[bytes], kept: bytearray, seen: list[int], limit: int) -> None:
    """Keep up to `limit` bytes of the output and drain the rest."""
    stream = process.stdout
    assert isinstance(stream, io.BufferedReader)
    with contextlib.suppress(OSError, ValueError):
        while chunk := stream.read1(CHUNK):
            seen[0] += len(chunk)
            room = limit - len(kept)
            if room > 0:
                kept.extend(chunk[:room])
    with contextlib.suppress(OSError):
        stream.close()


def _not_run(error: str, started: float) -> CommandOutcome:
    return CommandOutcome(None, "", False, False, time.monotonic() - started, error)
