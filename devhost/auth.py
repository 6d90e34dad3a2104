"""Host keys and the auth levels of HTTP triggers.

Locally the keys come from settings instead of the host's key store: `FUNCTIONS_DEVHOST_MASTER_KEY` (admin level,
and accepted wherever a function key is), `FUNCTIONS_DEVHOST_FUNCTION_KEY` (function level) and
`FUNCTIONS_DEVHOST_SYSTEM_KEY` (the durabletask extension's system key, which the check-status URLs carry; by
default derived from the master key so URLs survive a host restart). A caller passes a key in the
`x-functions-key` header or the `code` query parameter, as in Azure.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass

log = logging.getLogger("devhost")


@dataclass(frozen=True)
class HostKeys:
    master: str
    function: str
    system: str

    @classmethod
    def from_environment(cls) -> "HostKeys":
        master = os.environ.get("FUNCTIONS_DEVHOST_MASTER_KEY") or ""
        function = os.environ.get("FUNCTIONS_DEVHOST_FUNCTION_KEY") or ""
        if not master:
            master = secrets.token_urlsafe(32)
            log.warning("FUNCTIONS_DEVHOST_MASTER_KEY is not set: admin-level functions take a random key this run")
        if not function:
            function = secrets.token_urlsafe(32)
            log.warning("FUNCTIONS_DEVHOST_FUNCTION_KEY is not set: function-level functions take a random key "
                        "this run; set it in local.settings.json Values")
        system = os.environ.get("FUNCTIONS_DEVHOST_SYSTEM_KEY") or hmac.new(
            master.encode(), b"durabletask_extension", hashlib.sha256).hexdigest()[:40]
        return cls(master=master, function=function, system=system)

    def allows(self, auth_level: str, presented: str | None) -> bool:
        """Anonymous needs nothing; function takes the function or master key; admin only the master key."""
        level = (auth_level or "function").lower()
        if level == "anonymous":
            return True
        if not presented:
            return False
        accepted = [self.master] if level == "admin" else [self.function, self.master]
        if level == "system":
            accepted = [self.system, self.function, self.master]
        return any(hmac.compare_digest(presented.encode(), key.encode()) for key in accepted)


def presented_key(headers, query) -> str | None:
    return headers.get("x-functions-key") or query.get("code")
