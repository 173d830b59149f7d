"""warroom's signed webhook honours the proxy the environment names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.receivers import Receiver, receiver

from warroom.notifiers import Message, posting, transport_for

SECRET = "webhook-test-shared-secret"


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with receiver() as r:
        monkeypatch.setenv("HTTP_PROXY", r.url(""))
        monkeypatch.setenv("NO_PROXY", "localhost")
        posting.forget_environment()
        yield r
    posting.forget_environment()


def send(url: str) -> None:
    message = Message(subject="Checkout down", body="Look", idempotency_key="k1", sent_at=1)
    transport_for(f"webhook+{url}?secret={SECRET}").send(message)


def test_a_webhook_goes_through_the_proxy_the_environment_names(proxy: Receiver) -> None:
    send("http://pager.example.invalid/hook")
    [request] = proxy.got
    assert request.path == "http://pager.example.invalid/hook"
    assert request.json["subject"] == "Checkout down"


def test_a_host_the_environment_exempts_is_reached_directly(proxy: Receiver) -> None:
    with receiver() as direct:
        send(f"http://localhost:{direct.port}/hook")
        assert [r.path for r in direct.got] == ["/hook"]
    assert proxy.got == []
