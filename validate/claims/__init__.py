"""Level 2 on prose and comments: value and relational claims found from entity mentions
(see ``checker``)."""

from validate.claims.checker import ClaimChecker

__all__ = ["ClaimChecker"]
