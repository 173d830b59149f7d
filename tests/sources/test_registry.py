"""The registry of alert sources, and the package's import boundary."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from warroom import sources
from warroom.sources import (
    KINDS,
    SOURCES,
    alertmanager,
    datadog,
    generic,
    grafana,
    pagerduty,
    parsers_in,
    sentry,
)

PACKAGE = Path(sources.__file__).parent
ALLOWED = ("warroom.domain", "warroom.sources", "pydantic", "__future__")


def test_every_kind_maps_to_its_modules_parse() -> None:
    assert KINDS == ("alertmanager", "datadog", "generic", "grafana", "pagerduty", "sentry")
    assert [SOURCES[kind] for kind in KINDS] == [
        alertmanager.parse, datadog.parse, generic.parse, grafana.parse, pagerduty.parse,
        sentry.parse]


def test_the_kinds_are_the_files_of_the_package_and_helpers_are_not_kinds() -> None:
    files = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_"))
    assert list(KINDS) == files
    assert "_common" not in SOURCES and "_prometheus" not in SOURCES


def test_a_new_sender_is_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "more_senders"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_shared.py").write_text("LABEL = 'not a sender'\n")
    (package / "nagios.py").write_text("def parse(body):\n    return ['nagios', body]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = parsers_in(importlib.import_module("more_senders"))
    assert list(found) == ["nagios"]
    assert found["nagios"]({"host": "db-1"}) == ["nagios", {"host": "db-1"}]


def test_a_sender_file_without_parse_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "broken_senders"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "zabbix.py").write_text("def parse_body(body):\n    return []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match=r"broken_senders\.zabbix .* without a parse"):
        parsers_in(importlib.import_module("broken_senders"))


def test_sources_import_only_the_domain_the_standard_library_and_pydantic() -> None:
    stdlib = {"collections", "copy", "dataclasses", "datetime", "hashlib", "importlib", "json",
              "math", "pkgutil", "re", "types", "typing"}
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
