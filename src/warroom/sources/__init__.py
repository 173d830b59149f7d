"""Inbound alert formats: one module per sender, each `parse(body) -> list[AlertIn]`.

The registry is read from this package: every module whose name does not start with `_` is
a kind of sender, named after its file (`sentry.py` is the kind `sentry`), so a new sender
is one new file here. Modules starting with `_` hold what several senders share.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType

from warroom.domain.alerts import AlertIn

Parse = Callable[[object], list[AlertIn]]


def parsers_in(package: ModuleType) -> dict[str, Parse]:
    """Each public module of `package` by name (sorted), mapped to its `parse`."""
    found: dict[str, Parse] = {}
    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    for name in names:
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{name}")
        parse = getattr(module, "parse", None)
        if not callable(parse):
            raise TypeError(f"{module.__name__} is an alert source without a parse(body)")
        found[name] = parse
    return found


SOURCES: dict[str, Parse] = parsers_in(importlib.import_module(__name__))
KINDS = tuple(SOURCES)
