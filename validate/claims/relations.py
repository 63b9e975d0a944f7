from __future__ import annotations


class RelationClaims:
    def __init__(self, chk) -> None:
        self.chk = chk

    def run(self, toks, line) -> None:
        return
