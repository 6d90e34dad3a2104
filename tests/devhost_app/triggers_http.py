"""HTTP triggers of the host's test app: routes, auth levels, failures, a slow sync function, a queue output
binding, and a durable starter with a tiny orchestration of its own (so the host tests do not depend on the durable
engineer's feature set).
"""
import json
import time

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.route(route="echo/{id:int}", methods=["GET", "POST"])
def http_echo(req: func.HttpRequest) -> func.HttpResponse:
    body = req.get_json() if req.get_body() else None
    return func.HttpResponse(
        json.dumps({"id": req.route_params.get("id"), "method": req.method, "query": dict(req.params),
                    "header": req.headers.get("x-test"), "body": body}),
        status_code=200, mimetype="application/json", headers={"x-echo": "yes"})


@bp.route(route="echo/latest", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def http_echo_latest(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("latest", mimetype="text/plain")


@bp.route(route="items/{name?}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def items(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("name", "<none>"), status_code=201)


@bp.route(route="admin-only", auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin ok")


@bp.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret-detail-do-not-leak")


@bp.route(route="slow", auth_level=func.AuthLevel.ANONYMOUS)
def slow(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(float(req.params.get("seconds", "2")))
    return func.HttpResponse("slept")


@bp.route(route="enqueue", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.queue_output(arg_name="out", queue_name="%DEVHOST_TEST_WORK_QUEUE%", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set(req.get_body().decode("utf-8"))
    return func.HttpResponse("queued", status_code=202)


@bp.route(route="start/{name}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client) -> func.HttpResponse:
    body = req.get_body()
    instance_id = await client.start_new(req.route_params["name"], None, json.loads(body) if body else None)
    return client.create_check_status_response(req, instance_id)


@bp.orchestration_trigger(context_name="context")
def host_hello_orchestrator(context: df.DurableOrchestrationContext):
    name = context.get_input() or "world"
    greeting = yield context.call_activity("host_hello_activity", name)
    return greeting


@bp.activity_trigger(input_name="name")
def host_hello_activity(name: str) -> str:
    return f"hello {name}"
