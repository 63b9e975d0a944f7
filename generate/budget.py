"""A hard spending limit: a request is sent only if its worst case still fits.

Before each request the loop reserves the request's worst-case cost (every input
byte billed as a token at the cache-write price, plus ``max_tokens`` of output);
after it, the reservation is replaced by the real cost. The sum of real costs and
open reservations never exceeds the limit, so neither does the spend.
"""

from __future__ import annotations

import threading

from generate.llm.base import BudgetExhausted


class Budget:
    def __init__(self, limit_usd: float | None, spent_usd: float = 0.0) -> None:
        self.limit = limit_usd
        self.spent = spent_usd
        self.reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, worst_usd: float) -> float:
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + worst_usd > self.limit + 1e-12:
                raise BudgetExhausted(
                    f"the next request could cost up to ${worst_usd:.4f}; ${self.spent:.4f} spent "
                    f"and ${self.reserved:.4f} in flight of a ${self.limit:.2f} budget"
                )
            self.reserved += worst_usd
            return worst_usd

    def settle(self, reservation: float, actual_usd: float) -> None:
        with self._lock:
            self.reserved = max(0.0, self.reserved - reservation)
            self.spent += actual_usd

    def remaining(self) -> float | None:
        return None if self.limit is None else self.limit - self.spent - self.reserved
