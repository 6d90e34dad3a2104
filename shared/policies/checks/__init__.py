"""The check catalog: one declared list; ids are unique and every check has a fixture and docs (tests prove it)."""
from __future__ import annotations

from shared.policies.checks import branch_protection, files, listing, security
from shared.policies.checks.base import Check, CheckResult, Param

CATALOG: tuple[Check, ...] = (*listing.CHECKS, *files.CHECKS, *branch_protection.CHECKS, *security.CHECKS)
REGISTRY: dict[str, Check] = {check.id: check for check in CATALOG}
assert len(REGISTRY) == len(CATALOG), "duplicate check id in the catalog"

__all__ = ["CATALOG", "REGISTRY", "Check", "CheckResult", "Param"]
