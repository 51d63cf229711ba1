"""Extensions that close moto's gaps, one module per gap.

Every module here documents the gap (what stock moto does, what AWS does, with the API
reference it follows) and exposes `apply()`, which patches moto in-process and is safe to
call twice. `apply_all()` applies every module in this package, in name order, before the
server starts. Each extension has a test in tests/emulator/ that fails on stock moto.
"""

from __future__ import annotations

import importlib
import pkgutil

_applied: list[str] = []


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def apply_all() -> list[str]:
    """Apply every extension once; return their module names."""
    for name in names():
        if name in _applied:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        module.apply()
        _applied.append(name)
    return list(_applied)
