"""The base of the context builder's fact mixins (its own module: ``generate.context_util``
is imported by the code sections, which ``generate.models`` reaches, so it may not name
``Fact`` even for the type checker without closing an import cycle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generate.models import Fact


class FactMixin:
    """Base of the fact mixins (code, domain, audio): what they call on each other, all of
    it provided by :class:`generate.context.ContextBuilder`. Declared for the type checker
    only, so the builder's own definitions are the ones that run."""

    q: Any

    if TYPE_CHECKING:

        def versions(self) -> tuple[list[str], list[str]]: ...

        def function_facts(self, name: str, version: str, *, priority: int = 0, deep: bool = True) -> list[Fact]: ...

        def struct_facts(self, name: str, version: str, *, priority: int = 0, fields: int = 200) -> list[Fact]: ...

        def actor_facts(self, enum: str, version: str, *, priority: int = 0, deep: bool = True) -> list[Fact]: ...

        def address_facts(self, name: str, version: str, priority: int) -> list[Fact]: ...

        def related_functions(self, text: str, version: str, priority: int = 20, limit: int = 4) -> list[Fact]: ...

        def sequence_font_facts(self, enum: str, version: str) -> list[Fact]: ...

        def facts_of(self, kind: str, key: str, version: str) -> list[Fact]: ...
