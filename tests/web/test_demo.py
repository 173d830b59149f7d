"""`warroom serve --demo` prints how to sign in, and that sign-in works."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from tests.support import WARROOM, free_port
from tests.web.conftest import csrf_of

pytestmark = pytest.mark.slow


def test_serve_with_demo_data_prints_a_working_sign_in(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    process = subprocess.Popen(
        [WARROOM, "serve", "--demo", "--port", str(port), "--no-worker", "--db", db_url],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        found = None
        deadline = time.monotonic() + 30
        while found is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(
                r"Sign in at (\S+)/login as 'demo' with password '([^']+)'", log.read_text()
            )
            time.sleep(0.1)
        assert found, log.read_text()
        assert found.group(1) == base
        with httpx.Client(base_url=base, timeout=5) as client:
            while True:
                try:
                    token = csrf_of(client.get("/login").text)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            client.post(
                "/login", data={"csrf": token, "username": "demo", "password": found.group(2)}
            )
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            assert "Checkout returns 500 for every order" in dashboard.text
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
