"""Level 1 (placeholder until the libclang worker pool lands): no compiler."""

from __future__ import annotations

from typing import Any


def make_compiler(store: Any, settings: Any, **kw: Any) -> tuple[None, str]:
    return None, "no compiler"
