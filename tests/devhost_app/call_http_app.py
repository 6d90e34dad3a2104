"""An app the local host must refuse to start: its orchestrator uses `context.call_http`, which the host does not
emulate (docs/local-host.md). Kept out of `function_app.py` so the main test app still starts; the blueprint is
also run on a bare engine to check the run-time refusal behind the start-up one.
"""
import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context", orchestration="df_call_http")
def call_http_orchestrator(context: df.DurableOrchestrationContext):
    response = yield context.call_http("GET", "https://example.invalid/status")
    return response.status_code


@bp.activity_trigger(input_name="url", activity="df_fetch")
def fetch(url: str) -> str:
    """What the app should do instead: the request in an activity (never called here)."""
    return url


app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(bp)
