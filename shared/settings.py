"""App settings, read from the environment at call time.

Locally they come from `local.settings.json` (the host copies `Values` into the environment); in Azure from app
settings, where secrets are Key Vault references. Reading at call time (not import time) lets tests change them.
Orchestrators never call these: activities do and pass on what is needed.
"""
from __future__ import annotations

import os


def _get(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _get(name, default).split(",") if item.strip()]


def _bool(name: str, default: bool = False) -> bool:
    raw = _get(name)
    return default if not raw else raw.lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = _get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ValueError(f"setting {name} must be an integer") from None


def app_database_url() -> str:
    return _get("APP_DATABASE_URL", "sqlite:///.data/app.db")


def monitoring_stats_cache_seconds() -> int:
    """How old `GET /api/v1/jobs/stats` may be (seconds; 0 = computed on every request)."""
    return max(0, _int("MONITORING_STATS_CACHE_SECONDS", 5))


# -- SQL Analyzer -----------------------------------------------------------------------------------------------
def analyzer_secret_key() -> str:
    return _get("ANALYZER_SECRET_KEY")


def analyzer_allowed_engines() -> list[str]:
    return _list("ANALYZER_ALLOWED_DRIVERS", "postgresql,mysql,sqlite,sqlserver")


def analyzer_allowed_hosts() -> list[str]:
    return _list("ANALYZER_ALLOWED_HOSTS", "127.0.0.1,localhost")


def analyzer_allowed_sqlite_dirs() -> list[str]:
    return [p for p in _get("ANALYZER_ALLOWED_SQLITE_DIRS", "samples").split(os.pathsep) if p.strip()]


def analyzer_named_connection(name: str) -> str | None:
    wanted = "ANALYZER_CONNECTION_" + name.strip().upper()
    for key, value in os.environ.items():
        if key.upper() == wanted:
            return value
    return None


def analyzer_named_connection_names() -> list[str]:
    """Names (lower-case) of every configured `ANALYZER_CONNECTION_<NAME>`: what the start form offers."""
    prefix = "ANALYZER_CONNECTION_"
    return sorted({key[len(prefix):].lower() for key, value in os.environ.items()
                   if key.upper().startswith(prefix) and len(key) > len(prefix) and value.strip()})


def analyzer_max_connections() -> int:
    return _int("ANALYZER_MAX_CONNECTIONS", 2)


def analyzer_statement_timeout_seconds() -> int:
    return _int("ANALYZER_STATEMENT_TIMEOUT_SECONDS", 30)


def analyzer_lock_timeout_ms() -> int:
    return _int("ANALYZER_LOCK_TIMEOUT_MS", 1000)


def analyzer_odbc_drivers() -> list[tuple[str, str]]:
    """Extra ODBC driver names → parsing dialect (`Name=dialect,…`), for a server whose odbcinst.ini names a
    driver differently from the built-in names (see `shared/analyzer/connstr.py`)."""
    pairs = [item.partition("=") for item in _list("ANALYZER_ODBC_DRIVERS", "")]
    return [(name.strip(), dialect.strip()) for name, _, dialect in pairs if name.strip() and dialect.strip()]


def analyzer_reconnect_attempts() -> int:
    """New sessions a batch may open after losing its connection to the target mid-batch (0 = never)."""
    return max(0, _int("ANALYZER_RECONNECT_ATTEMPTS", 2))


def analyzer_reconnect_delay_ms() -> int:
    """Wait before the first new session (doubled, tripled... for the next ones): a restarting server needs it."""
    return max(0, _int("ANALYZER_RECONNECT_DELAY_MS", 1000))


def analyzer_max_objects() -> int:
    """Above this many catalog objects, checks marked `expensive` are skipped with the reason recorded."""
    return _int("ANALYZER_MAX_OBJECTS", 20000)


def analyzer_failed_secret_ttl_hours() -> int:
    """How long a failed job keeps its encrypted connection string, so it can be restarted with one call."""
    return _int("ANALYZER_FAILED_SECRET_TTL_HOURS", 24)


# -- GitHub Policy Enforcer ---------------------------------------------------------------------------------------
def github_base_url() -> str:
    return _get("GITHUB_BASE_URL", "https://api.github.com").rstrip("/")


def github_token() -> str:
    return _get("GITHUB_TOKEN")


def github_app_credentials() -> tuple[str, str, str] | None:
    app_id, key = _get("GITHUB_APP_ID"), _get("GITHUB_APP_PRIVATE_KEY")
    installation = _get("GITHUB_APP_INSTALLATION_ID")
    return (app_id, key, installation) if app_id and key and installation else None


def github_org() -> str:
    return _get("GITHUB_ORG")


def policy_config_path() -> str:
    return _get("POLICY_CONFIG_PATH", "config/policies.yaml")


def policy_dry_run() -> bool:
    return _bool("POLICY_DRY_RUN")


# The storage SDK does not understand `UseDevelopmentStorage=true`; Azurite's well-known account and queue endpoint.
_DEVELOPMENT_STORAGE = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
                        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
                        "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1")


def policy_rate_limit_reserve() -> int:
    """Requests left unspent so a rate limit is waited out on a durable timer rather than hit; not a count → 50."""
    raw = _get("POLICY_RATE_LIMIT_RESERVE")
    return int(raw) if raw.isdigit() else 50


def storage_connection() -> str:
    """The host's storage account (the job queues), as a connection string the storage SDK accepts."""
    conn = _get("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    if conn.replace(" ", "").lower().startswith("usedevelopmentstorage=true"):
        return _DEVELOPMENT_STORAGE
    return conn


# Queue names: the queue triggers bind `%ANALYSIS_QUEUE%` / `%POLICY_ACT_QUEUE%` (resolved by the host from the
# same settings), so senders and monitoring read them here and the two sides cannot drift apart.
def analysis_queue() -> str:
    return _get("ANALYSIS_QUEUE", "analysis-requests")


def policy_act_queue() -> str:
    return _get("POLICY_ACT_QUEUE", "policy-act-requests")


# -- Schedules and notifications ----------------------------------------------------------------------------------
def daily_scan_schedule() -> tuple[str, str]:
    """Cron and IANA zone of the built-in `daily-scan` schedule, created at start-up; `off` disables it."""
    return _get("POLICY_SCAN_SCHEDULE", "0 0 * * *"), _get("POLICY_SCAN_TIME_ZONE", "UTC")


def app_public_url() -> str:
    """Where people reach the app (links in e-mails); the local host's address by default."""
    return _get("APP_PUBLIC_URL", "http://127.0.0.1:7071").rstrip("/")


def smtp_host() -> str:
    return _get("SMTP_HOST")


def smtp_port() -> int:
    return _int("SMTP_PORT", 587)


def smtp_security() -> str:
    """`starttls` (default), `tls` (implicit TLS, port 465) or `none` (a local relay only)."""
    return _get("SMTP_SECURITY", "starttls").lower()


def smtp_user() -> str:
    return _get("SMTP_USER")


def smtp_password() -> str:
    """A Key Vault reference in Azure; never logged (the sender wraps it in SecretStr at once)."""
    return os.environ.get("SMTP_PASSWORD", "")


def smtp_from() -> str:
    return _get("SMTP_FROM")


def smtp_ca_file() -> str:
    """Extra CA bundle to trust (a private relay's certificate); the system store otherwise."""
    return _get("SMTP_CA_FILE")


def smtp_timeout_seconds() -> int:
    return _int("SMTP_TIMEOUT_SECONDS", 30)


def notify_failure_recipients() -> list[str]:
    """Who hears about every failed job, scheduled or not (comma list)."""
    return _list("NOTIFY_FAILURE_RECIPIENTS", "")


def notify_retry_seconds() -> int:
    """First retry delay after a transient SMTP error; doubles per attempt up to an hour."""
    return _int("NOTIFY_RETRY_SECONDS", 30)


def notify_max_attempts() -> int:
    return _int("NOTIFY_MAX_ATTEMPTS", 12)


def analyzer_max_jobs_per_target() -> int:
    """Analyses running at once against one target server (engine + host:port); more wait in line."""
    return _int("ANALYZER_MAX_JOBS_PER_TARGET", 1)


def analyzer_max_jobs() -> int:
    """Analyses running at once in the whole app."""
    return _int("ANALYZER_MAX_JOBS", 8)


def notify_webhook_url() -> str:
    """Teams / Slack incoming-webhook URL for the same events as e-mail (a secret: Key Vault reference in Azure)."""
    return os.environ.get("NOTIFY_WEBHOOK_URL", "").strip()


def notify_webhook_allowed_hosts() -> list[str]:
    return _list("NOTIFY_WEBHOOK_ALLOWED_HOSTS", "*.webhook.office.com,*.logic.azure.com,hooks.slack.com")


def analyzer_stall_timeout_seconds() -> int:
    """An analysis whose orchestration and job row show no progress for this long (outside a deliberate wait) is
    reported as stalled and failed, so it never stays Running forever nor holds its admission slot. It must exceed
    the longest batch of checks (a batch records its outcomes when it ends)."""
    return max(2, _int("ANALYZER_STALL_TIMEOUT_SECONDS", 1800))


def policy_stall_timeout_seconds() -> int:
    """A scan or act run whose orchestration shows no progress for this long (outside a deliberate wait) is
    reported as stalled and failed, so it never stays Running forever nor holds the scan lock."""
    return max(2, _int("POLICY_STALL_TIMEOUT_SECONDS", 1800))


def github_webhook_secret() -> str:
    """The GitHub App's webhook secret (a Key Vault reference in Azure); empty: the webhook endpoint refuses all."""
    return _get("GITHUB_WEBHOOK_SECRET")


def github_write_interval_seconds() -> float:
    """Pause between two GitHub writes of this process (GitHub asks for content-creating requests a second
    apart); a local simulator run (a benchmark) may shorten it, production should not."""
    raw = _get("GITHUB_WRITE_INTERVAL_SECONDS")
    try:
        return max(0.0, float(raw)) if raw else 1.0
    except ValueError:
        raise ValueError("setting GITHUB_WRITE_INTERVAL_SECONDS must be a number of seconds") from None


def policy_webhook_queue() -> str:
    return _get("POLICY_WEBHOOK_QUEUE", "policy-webhook-events")


def policy_webhook_debounce_seconds() -> int:
    """Events for one repository within this window are coalesced into one evaluation."""
    return max(0, _int("POLICY_WEBHOOK_DEBOUNCE_SECONDS", 3))


def policy_unavailable_pauses_seconds() -> list[int]:
    """Pauses before a scan tries a repository again that GitHub answered 5xx for; after the last its results
    are `error` and the scan completes with a warning. Comma-separated seconds."""
    raw = _get("POLICY_UNAVAILABLE_PAUSES_SECONDS", "5,15,30")
    try:
        return [max(1, int(v)) for v in raw.split(",") if v.strip()] or [5]
    except ValueError:
        raise ValueError("setting POLICY_UNAVAILABLE_PAUSES_SECONDS must be comma-separated seconds") from None


# -- Real-time progress (Azure SignalR Service, Serverless mode) ---------------------------------------------------
def signalr_connection_string() -> str:
    """`Endpoint=https://<name>.service.signalr.net;AccessKey=...;Version=1.0;` (a Key Vault reference in Azure);
    empty = real-time events are off and only polling serves progress."""
    return _get("AzureSignalRConnectionString")


# -- Set by the platform (App Service), never by the user --------------------------------------------------------
def platform_instance_id() -> str:
    """The App Service instance this process runs on; empty locally."""
    return _get("WEBSITE_INSTANCE_ID")


def platform_host_name() -> str:
    return _get("WEBSITE_HOSTNAME")


def signalr_hub() -> str:
    return _get("SIGNALR_HUB", "jobs").lower()
