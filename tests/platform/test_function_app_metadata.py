"""What `func start` and Azure would reject, checked without them: the function metadata the Python worker reports
for `function_app.app`, `host.json`, and `local.settings.example.json`.

Core Tools cannot be installed here, and the local host is more forgiving than the real one (it never parses a
binding name or a route template the way ASP.NET does). So this indexes the app like the worker
(`app.get_functions()`, then each function's raw binding JSON as sent in `RpcFunctionMetadata.raw_bindings`) and
applies the host's own validation rules, plus the conventions `docs/architecture.md` promises.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devhost.ncrontab import parse as parse_ncrontab

ROOT = Path(__file__).resolve().parents[2]
APP_CODE = [ROOT / "function_app.py", *[p for d in ("shared", "triggers", "activities", "orchestrators")
                                         for p in (ROOT / d).rglob("*.py")]]

# Host rules (Microsoft.Azure.WebJobs.Script: Utility.IsValidFunctionName, BindingMetadata name validation).
FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,127}$", re.IGNORECASE)
BINDING_NAME = re.compile(r"^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$")
ROUTE_PARAM = re.compile(r"\{([^{}]*)\}")
ROUTE_PARAM_BODY = re.compile(r"^\*?([A-Za-z_][A-Za-z0-9_]*)(:[A-Za-z]+(\([^)]*\))?)*\??$")
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}
# Azure Storage queue names: 3-63 chars, lowercase letters, digits and single hyphens, not at either end.
QUEUE_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")
TRIGGERS = {"httpTrigger", "timerTrigger", "queueTrigger", "orchestrationTrigger", "activityTrigger",
            "entityTrigger", "blobTrigger", "serviceBusTrigger", "eventHubTrigger"}
DURABLE_NAMES = {"analysis_orchestrator", "policy_scan_orchestrator", "policy_scan_batch_orchestrator",
                 "policy_act_orchestrator", "notification_orchestrator"}
# github/webhook: GitHub cannot send a function key; the X-Hub-Signature-256 HMAC authenticates it (issue 13).
# ui/{*path}: static assets of the web UI, no data (the pages call the API with the key).
ANONYMOUS_ROUTES = {"openapi.json", "health", "dashboard", "github/webhook", "ui/{*path}"}
KEYED_OUTSIDE_V1 = {"negotiate"}   # SignalR clients call <hub URL>/negotiate; the hub URL is the app's /api
TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):([0-5]\d):([0-5]\d)(?:\.\d{1,7})?$")


def index(app: Any) -> dict[str, dict[str, Any]]:
    """What the worker sends the host per function: name, raw binding JSON, function.json view."""
    result: dict[str, dict[str, Any]] = {}
    for function in app.get_functions():
        raw = [json.loads(b) for b in function.get_raw_bindings()]
        result[function.get_function_name()] = {"function": function, "bindings": raw,
                                                "json": json.loads(function.get_function_json())}
    return result


@pytest.fixture(scope="module")
def indexed() -> dict[str, dict[str, Any]]:
    """Index a freshly imported app once: `get_functions()` refuses to run twice on one app object."""
    import function_app

    return index(importlib.reload(function_app).app)


def trigger_of(entry: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in entry["bindings"] if b["type"] in TRIGGERS)


def by_trigger(indexed: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {name: trigger_of(entry) for name, entry in indexed.items() if trigger_of(entry)["type"] == kind}


def name_problems(indexed: dict[str, dict[str, Any]]) -> list[str]:
    problems = [f"{n}: invalid function name" for n in indexed if not FUNCTION_NAME.match(n)]
    return problems + [f"{n}: duplicate name (ignoring case)" for n, c in Counter(n.lower() for n in indexed).items()
                       if c > 1]


def binding_problems(indexed: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for name, entry in indexed.items():
        bindings = entry["bindings"]
        if sum(b["type"] in TRIGGERS for b in bindings) != 1:
            problems.append(f"{name}: needs exactly one trigger")
        problems += [f"{name}: direction {b['direction']}" for b in bindings
                     if b["direction"] not in ("IN", "OUT", "INOUT")]
        problems += [f"{name}: invalid binding name {b['name']!r}" for b in bindings
                     if not BINDING_NAME.match(b["name"])]
        if len({b["name"] for b in bindings}) != len(bindings):
            problems.append(f"{name}: repeated binding name")
        if entry["json"]["scriptFile"] != "function_app.py":
            problems.append(f"{name}: scriptFile {entry['json']['scriptFile']}")
        # The worker refuses a function whose parameters and input bindings differ (FunctionLoadError).
        params = set(inspect.signature(inspect.unwrap(entry["function"].get_user_function())).parameters)
        inputs = {b["name"] for b in bindings if b["direction"] == "IN"}
        if params != inputs:
            problems.append(f"{name}: parameters {sorted(params)} vs bindings {sorted(inputs)}")
    return problems


def route_problems(indexed: dict[str, dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for name, trigger in by_trigger(indexed, "httpTrigger").items():
        route = trigger.get("route") or name
        if route.startswith("/") or route.endswith("/") or re.search(r"[?#\s]|//", route):
            problems.append(f"{name}: malformed route {route!r}")
        if re.search(r"[{}]", ROUTE_PARAM.sub("", route)):
            problems.append(f"{name}: unbalanced braces in {route!r}")
        params = [ROUTE_PARAM_BODY.match(p) for p in ROUTE_PARAM.findall(route)]
        if None in params:
            problems.append(f"{name}: bad parameter in {route!r}")
        names = [m.group(1) for m in params if m]
        if len(set(names)) != len(names):
            problems.append(f"{name}: repeated parameter in {route!r}")
        if not trigger.get("methods"):
            problems.append(f"{name}: no methods (the host would accept every verb)")
        shape = ROUTE_PARAM.sub("{}", route).lower()
        for method in trigger.get("methods") or []:
            if method not in HTTP_METHODS:
                problems.append(f"{name}: method {method}")
            other = seen.setdefault((method, shape), name)
            if other != name:
                problems.append(f"{method} {route}: both {other} and {name}")
    return problems


# -- functions and bindings ------------------------------------------------------------------------------------
def test_function_names_are_valid_and_unique_ignoring_case(indexed: dict[str, dict[str, Any]]) -> None:
    assert len(indexed) >= 30, "the app registers both products' functions"
    assert name_problems(indexed) == []


def test_every_function_has_one_trigger_valid_bindings_and_matching_parameters(indexed: dict[str, Any]) -> None:
    assert binding_problems(indexed) == []


def test_http_routes_are_valid_templates_unique_per_method(indexed: dict[str, Any]) -> None:
    assert route_problems(indexed) == []
    routes = {(m, t["route"]) for t in by_trigger(indexed, "httpTrigger").values() for m in t["methods"]}
    assert {("POST", "v1/analysis/start"), ("POST", "v1/scans"), ("GET", "openapi.json")} <= routes


def test_every_http_route_is_an_operation_of_the_openapi_document(indexed: dict[str, Any]) -> None:
    """Requests are validated against their operation (`shared.api.validation`), and a route the document does not
    describe would be let through unvalidated: so every route must be in it, with the same parameter names."""
    from shared.api.validation import find_operation

    missing = []
    for trigger in by_trigger(indexed, "httpTrigger").values():
        route = trigger["route"]
        sample = re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: "x", route)
        for method in trigger["methods"]:
            operation = find_operation(method, "/" + sample)
            names = {n.lstrip("*") for n in re.findall(r"\{([^}:]+)", route)}
            if operation is None or names != {p["name"] for p in operation.path}:
                missing.append(f"{method} /{route}")
    assert missing == []


def test_the_checks_catch_what_the_real_host_rejects() -> None:
    """A deliberately broken app: every rule above must speak up, or the passing tests prove nothing."""
    import azure.functions as func

    bad = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @bad.function_name("items_by_id")
    @bad.route(route="v1/items/{id}", methods=["GET"])
    def items_by_id(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse()

    @bad.function_name("Items_By_Name")
    @bad.route(route="v1/items/{name}", methods=["GET"])
    def items_by_name(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse()

    @bad.function_name("ITEMS_BY_ID")
    @bad.route(route="v1/pairs/{a}/{a}", methods=["GET"])
    def pairs(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse()

    @bad.function_name("underscored")
    @bad.queue_trigger(arg_name="queue_msg", queue_name="work", connection="AzureWebJobsStorage")
    def underscored(queue_msg: func.QueueMessage, extra: str) -> None:
        return None

    problems = index(bad)
    assert any("duplicate name" in p for p in name_problems(problems))
    found = binding_problems(problems)
    assert any("invalid binding name 'queue_msg'" in p for p in found), found
    assert any("underscored: parameters" in p for p in found), found
    routes = route_problems(problems)
    assert any("both items_by_id and Items_By_Name" in p for p in routes), routes
    assert any("repeated parameter" in p for p in routes), routes


def test_auth_levels_follow_the_architecture(indexed: dict[str, Any]) -> None:
    for name, trigger in by_trigger(indexed, "httpTrigger").items():
        expected = "ANONYMOUS" if trigger["route"] in ANONYMOUS_ROUTES else "FUNCTION"
        assert trigger["authLevel"] == expected, f"{name} ({trigger['route']}): {trigger['authLevel']}"
        if expected == "FUNCTION" and trigger["route"] not in KEYED_OUTSIDE_V1:
            assert trigger["route"].startswith("v1/"), f"{name}: keyed routes live under /api/v1"
    anonymous = {t["route"] for t in by_trigger(indexed, "httpTrigger").values() if t["authLevel"] == "ANONYMOUS"}
    assert anonymous == ANONYMOUS_ROUTES


def test_schedules_tick_runs_every_minute_with_the_schedule_monitor(indexed: dict[str, Any]) -> None:
    """One timer runs every stored schedule (the daily scan is one of them, created at start-up); the only other
    timer is the Servers page's heartbeat."""
    timers = by_trigger(indexed, "timerTrigger")
    assert set(timers) == {"schedules_tick", "servers_heartbeat"}
    assert timers["schedules_tick"]["schedule"] == "0 * * * * *"
    assert timers["schedules_tick"]["useMonitor"] is True and not timers["schedules_tick"].get("runOnStartup")
    for name, trigger in timers.items():
        assert len(trigger["schedule"].split()) == 6, f"{name}: NCRONTAB has six fields, seconds first"
        parse_ncrontab(trigger["schedule"])


def test_queue_triggers_name_existing_settings_and_valid_queues(indexed: dict[str, Any]) -> None:
    values = example_values()
    queues = by_trigger(indexed, "queueTrigger")
    # Queue names are binding expressions (`%ANALYSIS_QUEUE%`): the host resolves them from app settings, so each
    # must be a setting of the example with a valid queue name as its value.
    resolved = {}
    for name, trigger in queues.items():
        expression = re.fullmatch(r"%([A-Za-z0-9_]+)%", trigger["queueName"])
        assert expression and expression.group(1) in values, f"{name}: {trigger['queueName']} is not a setting"
        resolved[name] = values[expression.group(1)]
    assert {"analysis-requests", "policy-act-requests"} <= set(resolved.values())
    for name, trigger in queues.items():
        connection = trigger.get("connection") or "AzureWebJobsStorage"
        assert connection in values or f"AzureWebJobs{connection}" in values, f"{name}: setting {connection}"
        assert QUEUE_NAME.match(resolved[name]), f"{name}: {resolved[name]}"
        assert QUEUE_NAME.match(resolved[name] + "-poison"), f"{name}: poison queue name too long"


def test_durable_functions_have_their_triggers_and_clients(indexed: dict[str, Any]) -> None:
    assert set(by_trigger(indexed, "orchestrationTrigger")) == DURABLE_NAMES
    activities = set(by_trigger(indexed, "activityTrigger"))
    assert activities and all(a.split("_")[0] in ("analysis", "policy", "notification") for a in activities), activities
    with_client = {name for name, entry in indexed.items()
                   if any(b["type"] == "durableClient" for b in entry["bindings"])}
    # Whatever starts or queries orchestrations or raises events: the start endpoints, the timer, both queue
    # triggers, and the analysis activities that hand a slot to a waiting job.
    must = {"analysis_start", "analysis_status", "analysis_cancel", "scans_start", "jobs_list", "schedules_tick",
            "schedules_trigger", "analysis_plan", "analysis_finalize",
            *by_trigger(indexed, "queueTrigger")}
    assert must <= with_client, sorted(must - with_client)
    for name in with_client:
        client = next(b for b in indexed[name]["bindings"] if b["type"] == "durableClient")
        assert client["direction"] == "IN" and "taskHub" not in client, name
    for name in with_client & set(activities):  # DF's client wrapper awaits the function
        assert inspect.iscoroutinefunction(indexed[name]["function"].get_user_function().client_function), name


# -- host.json ----------------------------------------------------------------------------------------------------
HOST_KEYS = {"version", "logging", "extensionBundle", "functionTimeout", "extensions", "aggregator", "healthMonitor",
             "singleton", "retry", "concurrency", "watchDirectories", "watchFiles", "managedDependency",
             "customHandler", "functions", "telemetryMode"}
EXTENSION_KEYS = {"http", "durableTask", "queues", "blobs", "serviceBus", "eventHubs", "cosmosDB", "sendGrid"}
LOG_LEVELS = {"Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"}


def timespan(value: Any) -> float:
    match = TIMESPAN.match(str(value))
    assert match, f"{value!r} is not a TimeSpan ([d.]hh:mm:ss)"
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    assert hours < 24
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def test_host_json_is_valid_for_functions_host_v4() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert set(host) <= HOST_KEYS, set(host) - HOST_KEYS
    bundle = host["extensionBundle"]
    assert bundle["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    # A NuGet range that starts at bundle 4 (Durable Functions for the Python v2 model) and stays below 5.
    assert re.fullmatch(r"\[4\.(\*|\d+\.\d+), 5\.0\.0\)", bundle["version"]), bundle["version"]
    # Consumption allows at most 10 minutes; the product's activities are sized for that.
    assert 0 < timespan(host["functionTimeout"]) <= 600
    for category, level in host.get("logging", {}).get("logLevel", {}).items():
        assert level in LOG_LEVELS, category
    extensions = host["extensions"]
    assert set(extensions) <= EXTENSION_KEYS, set(extensions) - EXTENSION_KEYS
    assert isinstance(extensions["http"]["routePrefix"], str) and not extensions["http"]["routePrefix"].startswith("/")
    durable = extensions["durableTask"]
    # Azure Storage task hub: 3-45 alphanumerics, starting with a letter.
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,44}", durable["hubName"]), durable["hubName"]
    for key in ("maxConcurrentActivityFunctions", "maxConcurrentOrchestratorFunctions"):
        assert isinstance(durable[key], int) and durable[key] >= 1, key
    queues = extensions["queues"]
    assert 1 <= queues["batchSize"] <= 32
    assert 0 <= queues["newBatchThreshold"] and queues["maxDequeueCount"] >= 1
    assert timespan(queues["maxPollingInterval"]) >= 1 and timespan(queues["visibilityTimeout"]) >= 0


# -- local.settings.example.json -------------------------------------------------------------------------------------
SETTING_READ = re.compile(r"""(?:_get|_list|_bool|_int|environ\.get|getenv)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def example_values() -> dict[str, Any]:
    data = json.loads((ROOT / "local.settings.example.json").read_text())
    assert data["IsEncrypted"] is False
    return data["Values"]


def settings_the_app_reads() -> set[str]:
    names: set[str] = set()
    for path in APP_CODE:
        names |= set(SETTING_READ.findall(path.read_text()))
    return names


def test_example_settings_are_plain_strings_and_list_every_setting_the_app_reads() -> None:
    values = example_values()
    assert all(isinstance(v, str) for v in values.values()), "Core Tools wants every value as a string"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    read = settings_the_app_reads()
    assert {"APP_DATABASE_URL", "ANALYZER_SECRET_KEY", "GITHUB_ORG", "POLICY_DRY_RUN"} <= read, "the scan works"
    assert sorted(read - set(values) - PLATFORM_SETTINGS) == []


# Set by App Service on every instance, never by the user (so not in the example settings).
PLATFORM_SETTINGS = {"WEBSITE_INSTANCE_ID", "WEBSITE_HOSTNAME"}


def test_example_settings_commit_no_secret() -> None:
    values = example_values()
    for name in ("ANALYZER_SECRET_KEY", "GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY", "SMTP_PASSWORD",
                 "NOTIFY_WEBHOOK_URL"):
        assert values[name] == "", f"{name}: generated by make start or set in local.settings.json, never committed"
