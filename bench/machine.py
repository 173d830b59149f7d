"""What machine a benchmark ran on, printed beside its figures (shared by bench scripts)."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [row.split(":", 1)[1].strip() for row in cpuinfo if row.startswith("model name")]
    total_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "cpu_model": models[0] if models else platform.processor(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
