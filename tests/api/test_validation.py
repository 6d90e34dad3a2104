"""Request validation against the OpenAPI document (`shared.api.validation`): the limits the document states are
the ones enforced, before any work, with a 400 naming the field and never echoing a value."""
from __future__ import annotations

import json
from typing import Any

import pytest

from shared.analyzer.models import AnalysisInput, AnalysisOptions, BatchInput, ConnectionRef, Plan
from shared.api import validation
from shared.api.problems import Problem

START = validation.find_operation("POST", "/v1/analysis/start")
SCANS = validation.find_operation("POST", "/v1/scans")
LIST = validation.find_operation("GET", "/v1/analysis")


def problem_of(call: Any, *args: Any, **kwargs: Any) -> Problem:
    with pytest.raises(Problem) as caught:
        call(*args, **kwargs)
    return caught.value


def body_errors(operation: validation.Operation | None, body: Any) -> list[tuple[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    problem = problem_of(validation.validate_body, operation, raw, required=True)
    assert problem.status == 400
    return [(e.field, e.message) for e in problem.errors]


def test_operations_are_found_literal_paths_before_templates() -> None:
    def template(method: str, path: str) -> str | None:
        operation = validation.find_operation(method, path)
        return operation.template if operation else None

    assert START is not None and START.body_required
    assert template("GET", "/v1/jobs/stats") == "/v1/jobs/stats"
    assert template("GET", "/v1/jobs/x") == "/v1/jobs/{id}"
    assert template("DELETE", "/v1/jobs/x") == "/v1/jobs/{id}"
    assert template("PATCH", "/v1/jobs/x") is None
    assert template("GET", "/no/such/path") is None


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"options":' * 50_000, b"[" * 33 + b"]" * 33])
def test_deep_nesting_is_a_400_not_a_recursion_error(raw: bytes) -> None:
    assert body_errors(START, raw) == [("body", f"nested deeper than {validation.MAX_JSON_DEPTH} levels")]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert validation.nesting_depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[[["}') == 1
    assert validation.parse_json(b'{"a": "' + b"[" * 100 + b'"}') == {"a": "[" * 100}


@pytest.mark.parametrize("raw, field", [
    (b'{"connectionString": "Driver={SQLite3};Database=\\ud800"}', "connectionString"),
    (b'{"connectionName": "x", "options": {"schemas": ["ok", "\\udfff"]}}', "options.schemas[1]"),
    (b'{"\\ud800": 1}', "body"),
])
def test_a_lone_surrogate_is_a_400_naming_where_it_is(raw: bytes, field: str) -> None:
    errors = body_errors(START, raw)
    assert errors[0][0] == field and "surrogate" in errors[0][1]


@pytest.mark.parametrize("raw, message", [
    (b'{"a": NaN}', "NaN"), (b"\xff\xfe{}", "UTF-8"), (b'{"a": ', "malformed JSON"),
])
def test_malformed_bodies_are_a_400_on_body(raw: bytes, message: str) -> None:
    [(field, text)] = body_errors(START, raw)
    assert field == "body" and message in text


@pytest.mark.parametrize("body, expected", [
    ({"connectionString": "x", "connectionName": "y"},
     [("connectionString", "give exactly one of connectionString or connectionName, not both")]),
    ({"analysisType": "quick"}, [("connectionString", "give exactly one of connectionString or connectionName")]),
    ({"connectionString": "x" * 4097}, [("connectionString", "at most 4096 characters")]),
    ({"connectionString": "   "}, [("connectionString", "must contain a non-space character")]),
    ({"connectionName": "x", "options": {"schemas": ["s" * 129]}}, [("options.schemas[0]", "at most 128 characters")]),
    ({"connectionName": "x", "options": {"schemas": ["s"] * 101}}, [("options.schemas", "at most 100 entries")]),
    ({"connectionName": "x", "options": {"checks": ["c"] * 201}}, [("options.checks", "at most 200 entries")]),
    ({"connectionName": "x", "options": {"checks": ["Not An Id"]}},
     [("options.checks[0]", "must match ^[a-z0-9][a-z0-9-]{0,99}$")]),
    ({"connectionName": "x", "extra": 1},
     [("extra", "unknown field; allowed: analysisType, connectionName, connectionString, options, priority")]),
])
def test_start_request_limits_come_from_the_document(body: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert body_errors(START, body) == expected


def test_a_secret_value_is_never_echoed_in_an_error() -> None:
    secret = "Driver={PostgreSQL Unicode};Server=h;PWD=Sup3r-S3cret;" + "x" * 5000
    problem = problem_of(validation.validate_body, START, json.dumps({"connectionString": secret}).encode(),
                         required=True)
    assert "Sup3r-S3cret" not in json.dumps(problem.to_json())


@pytest.mark.parametrize("body, field", [
    ({"repositories": ["acme/api"]}, "repositories[0]"),
    ({"repositories": ["r" * 101]}, "repositories[0]"),
    ({"repositories": ["r"] * 1001}, "repositories"),
    ({"policies": [""]}, "policies[0]"),
    ({"policies": ["p"] * 101}, "policies"),
])
def test_scan_request_lists_are_bounded(body: dict[str, Any], field: str) -> None:
    assert body_errors(SCANS, body)[0][0] == field


def test_an_empty_optional_body_is_an_empty_object() -> None:
    assert validation.validate_body(SCANS, b"", required=False) == {}


@pytest.mark.parametrize("query, field, message", [
    ("status=", "status", "must not be empty; leave the parameter out to use its default"),
    ("page=&page=xyz", "page", "given more than once; give it once"),
    ("page=1&page=1", "page", "given more than once; give it once"),
    ("page=xyz", "page", "must be an integer"),
    ("page=%2B1", "page", "must be an integer"),
    ("page=0", "page", "must be at least 1"),
    ("page=1000001", "page", "must be at most 1000000"),
    ("page=36893488147419103233", "page", "must be at most 1000000"),
    ("pageSize=201", "pageSize", "must be at most 200"),
    ("status=Lost", "status", "must be one of Pending, Running, Completed, Failed, Canceled"),
    ("status=%ff", "status", "must be valid percent-encoded UTF-8"),
    ("status=%ed%a0%80", "status", "must be valid percent-encoded UTF-8"),
])
def test_empty_repeated_or_malformed_query_parameters_are_a_400_naming_them(query: str, field: str,
                                                                             message: str) -> None:
    problem = problem_of(validation.validate_query, LIST, query)
    assert (problem.status, [(e.field, e.message) for e in problem.errors]) == (400, [(field, message)])


def test_valid_and_undeclared_query_parameters_pass() -> None:
    assert validation.validate_query(LIST, "status=Running&page=2&code=key&code=again") == {"status": "Running",
                                                                                          "page": 2}
    report = validation.find_operation("GET", "/v1/analysis/analysis-" + "0" * 32 + "/report")
    problem = problem_of(validation.validate_query, report, "format=")
    assert problem.errors[0].field == "format"


def test_path_parameters_that_break_their_pattern_are_a_400_naming_them() -> None:
    status = validation.find_operation("GET", "/v1/analysis/status/x")
    validation.validate_path(status, {"jobId": "analysis-" + "a" * 32})
    problem = problem_of(validation.validate_path, status, {"jobId": "nope"})
    assert (problem.status, problem.errors[0].field) == (400, "jobId")
    scan = validation.find_operation("GET", "/v1/scans/x")
    assert problem_of(validation.validate_path, scan, {"scanId": "scan-\ud800"}).errors[0].field == "scanId"


def test_the_largest_valid_start_request_keeps_the_orchestration_history_small() -> None:
    """The engine's gRPC messages are limited to 4 MB and carry the whole history: the user's lists appear once
    (the orchestration input), never once per batch (the batch activity reads the schema filter from the job)."""
    worst_schemas = ["\U0001F600" * 128] * 100       # each character escapes to 12 bytes in JSON
    worst_ids = ["c" * 100] * 200
    body = {"connectionName": "N" * 64, "analysisType": "comprehensive",
            "options": {"checks": worst_ids, "excludeChecks": worst_ids, "schemas": worst_schemas,
                        "timeoutSeconds": 600}}
    validation.validate_body(START, json.dumps(body).encode(), required=True)  # it is valid
    options = AnalysisOptions(worst_ids, worst_ids, worst_schemas, 600)
    orchestration_input = AnalysisInput("analysis-" + "0" * 32, "comprehensive", ConnectionRef(None, "N" * 64),
                                        options)
    once = len(json.dumps(orchestration_input.to_json()))
    batch = BatchInput("analysis-" + "0" * 32, 0, ["c" * 100] * 20, ConnectionRef(None, "N" * 64), 600)
    plan = Plan(True, None, [["c" * 100] * 20] * 50, 1000, 0, 8, 600)
    assert "schemas" not in batch.to_json() and "schemas" not in plan.to_json()
    # input + plan activity input (the two copies of the lists), one plan, 50 batches and their results.
    history = 2 * once + len(json.dumps(plan.to_json())) + 50 * 2 * len(json.dumps(batch.to_json()))
    assert history < 1_000_000, history


def test_every_operation_that_takes_input_documents_its_400() -> None:
    doc = validation.openapi_document()
    missing = [f"{method.upper()} {path}" for path, item in doc["paths"].items() for method, operation in item.items()
               if method != "parameters" and (operation.get("parameters") or operation.get("requestBody"))
               and "400" not in operation["responses"]]
    assert missing == []


def test_the_route_prefix_the_triggers_strip_is_the_one_host_json_sets() -> None:
    """Operations are found from the request URL's path below the prefix; a different prefix in host.json would
    silently skip validation."""
    from pathlib import Path

    from triggers._http import ROUTE_PREFIX

    host = json.loads((Path(__file__).resolve().parents[2] / "host.json").read_text())
    assert "/" + host["extensions"]["http"]["routePrefix"] == ROUTE_PREFIX


def test_the_handler_answers_bad_parameters_before_the_trigger_runs() -> None:
    import asyncio

    import azure.functions as func

    from triggers._http import api_handler, json_response

    calls: list[str] = []

    @api_handler
    async def trigger(req: func.HttpRequest) -> func.HttpResponse:
        calls.append(req.url)
        return json_response({})

    def call(url: str, route_params: dict[str, str] | None = None) -> func.HttpResponse:
        request = func.HttpRequest("GET", url, params={}, route_params=route_params or {}, body=b"")

        async def invoke() -> func.HttpResponse:
            return await trigger(request)
        return asyncio.run(invoke())

    bad = call("https://app.example/api/v1/analysis?page=&page=xyz")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert json.loads(bad.get_body())["errors"] == [{"field": "page", "message": "given more than once; give it once"}]
    assert call("https://app.example/api/v1/analysis/status/nope", {"jobId": "nope"}).status_code == 400
    assert calls == []
    assert call("https://app.example/api/v1/analysis?page=2").status_code == 200 and len(calls) == 1
