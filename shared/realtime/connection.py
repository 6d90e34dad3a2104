"""`AzureSignalRConnectionString` parsed into a typed record whose access key never shows in a repr or a log."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.secrets import SecretStr


class ConnectionStringError(ValueError):
    """The setting is malformed; the message names the missing part, never the key."""


@dataclass(frozen=True)
class SignalRConnection:
    endpoint: str                       # https://<name>.service.signalr.net[:port], no trailing slash: server API
    access_key: SecretStr = field(repr=False)
    client_endpoint: str = ""           # where clients connect when it differs (ClientEndpoint=); else endpoint

    @property
    def client_base(self) -> str:
        return self.client_endpoint or self.endpoint

    def client_url(self, hub: str) -> str:
        """The URL clients are redirected to; it is also the `aud` of their token, exactly as the service expects."""
        return f"{self.client_base}/client/?hub={hub}"

    def api_url(self, path: str) -> str:
        return f"{self.endpoint}/api/v1/{path.lstrip('/')}"

    @classmethod
    def parse(cls, value: str) -> SignalRConnection:
        """The format Microsoft's SDKs accept: `;`-separated `Key=Value` pairs, keys case-insensitive; `Port=`
        overrides the endpoint's port (as in the SDK's local emulator strings)."""
        parts: dict[str, str] = {}
        for item in value.split(";"):
            if "=" in item:
                key, _, val = item.partition("=")
                parts[key.strip().lower()] = val.strip()
        endpoint = parts.get("endpoint", "")
        key = parts.get("accesskey", "")
        if not endpoint or not key:
            missing = "Endpoint" if not endpoint else "AccessKey"
            raise ConnectionStringError(f"AzureSignalRConnectionString: {missing}= is missing (expected "
                                        "Endpoint=https://<name>.service.signalr.net;AccessKey=...;Version=1.0;)")
        if parts.get("authtype"):
            raise ConnectionStringError("AzureSignalRConnectionString: AuthType (Microsoft Entra ID) is not "
                                        "supported; use an access key connection string")
        return cls(_with_port(endpoint, parts.get("port")), SecretStr(key),
                   _with_port(parts["clientendpoint"], parts.get("clientport")) if parts.get("clientendpoint") else "")


def _with_port(endpoint: str, port: str | None) -> str:
    split = urlsplit(endpoint.rstrip("/"))
    if split.scheme not in ("http", "https") or not split.hostname:
        raise ConnectionStringError("AzureSignalRConnectionString: Endpoint must be an http(s) URL")
    if port:
        if not port.isdigit():
            raise ConnectionStringError("AzureSignalRConnectionString: Port must be a number")
        return f"{split.scheme}://{split.hostname}:{int(port)}{split.path}"
    return endpoint.rstrip("/")
