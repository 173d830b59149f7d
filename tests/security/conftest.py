"""The web personas (alice admin, bob responder, charlie viewer) for the security tests."""

from tests.web.conftest import browse, personas

__all__ = ["browse", "personas"]
