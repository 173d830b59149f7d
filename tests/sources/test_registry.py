"""The registry of alert sources, and the package's import boundary."""

from __future__ import annotations

import ast
from pathlib import Path

from warroom import sources
from warroom.sources import (
    KINDS,
    SOURCES,
    alertmanager,
    datadog,
    generic,
    grafana,
    pagerduty,
    sentry,
)

PACKAGE = Path(sources.__file__).parent
ALLOWED = ("warroom.domain", "warroom.sources", "pydantic", "__future__")


def test_every_kind_maps_to_its_modules_parse() -> None:
    assert KINDS == ("alertmanager", "grafana", "sentry", "datadog", "pagerduty", "generic")
    assert [SOURCES[kind] for kind in KINDS] == [
        alertmanager.parse, grafana.parse, sentry.parse, datadog.parse, pagerduty.parse,
        generic.parse]


def test_sources_import_only_the_domain_the_standard_library_and_pydantic() -> None:
    stdlib = {"collections", "copy", "dataclasses", "datetime", "hashlib", "json", "math", "re",
              "typing"}
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in stdlib or name.startswith(ALLOWED), (path, name)
