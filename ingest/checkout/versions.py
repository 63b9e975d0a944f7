"""A game version as the checkout defines it (``VersionInfo``): its id, macro and build
settings. Below the checkout model and the compiler flags, which both describe versions."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VersionInfo(BaseModel):
    id: str = Field(description="e.g. gc-eu-mq-dbg (the baseroms/ folder name)")
    name: str = Field(description="macro name in include/versions.h, e.g. GC_EU_MQ_DBG")
    ordinal: int = Field(description="build-order number from include/versions.h")
    platform: str = Field(description="N64, GC or IQUE")
    region: str = Field(description="JP, US or EU")
    mq: bool = False
    debug: bool = Field(False, description="DEBUG_FEATURES on by default for this version")
    pal: bool = False
    debug_assets: bool = False
    revision: str = "0"
    is_default: bool = False
    make: dict[str, str] = Field(default_factory=dict, description="the Makefile's variables for this version")

    @property
    def macro(self) -> str:
        return self.name


def version_macro(version_id: str) -> str:
    """The Makefile's VERSION_MACRO: ``tr a-z-. A-Z__``."""
    return version_id.upper().replace("-", "_").replace(".", "_")
