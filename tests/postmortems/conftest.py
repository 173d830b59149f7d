"""The CLI fixtures of tests/cli (wr, wj and their runner), shared with these tests."""

from tests.cli.test_cli import runner, wj, wr  # noqa: F401
