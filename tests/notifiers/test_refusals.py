"""A receiver's answer decides whether a failed send is retried: a 4xx that no retry can
change is a refusal for good, for Apprise's services as for warroom's own webhook."""

from __future__ import annotations

import pytest
from tests.receivers import receiver

from warroom.notifiers import Message, TransportError, transport_for

MESSAGE = Message(subject="Checkout down", body="Look", idempotency_key="k1", sent_at=1)


@pytest.mark.parametrize(
    ("status", "for_good"), [(404, True), (410, True), (429, False), (503, False)]
)
@pytest.mark.parametrize("scheme", ["json", "form", "webhook+http"])
def test_a_refusal_for_good_is_told_from_a_failure_worth_retrying(
    scheme: str, status: int, for_good: bool
) -> None:
    with receiver() as hook:
        hook.fail_with = [status]
        url = f"{scheme}://127.0.0.1:{hook.port}/alice"
        transport = transport_for(url + ("?secret=s" if scheme.startswith("webhook") else ""))
        with pytest.raises(TransportError) as failed:
            transport.send(MESSAGE)
    assert failed.value.permanent is for_good
    assert str(status) in failed.value.message


def test_a_receiver_that_cannot_be_reached_is_worth_retrying() -> None:
    with receiver() as hook:
        port = hook.port
    with pytest.raises(TransportError) as failed:
        transport_for(f"json://127.0.0.1:{port}/alice").send(MESSAGE)
    assert failed.value.permanent is False
