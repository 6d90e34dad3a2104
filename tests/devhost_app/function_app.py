"""Composition root of the host's own test app (`python -m devhost --app tests.devhost_app.function_app:app`)."""
import os

import azure.durable_functions as df
import azure.functions as func

from tests.devhost_app import durable_features, triggers_http, triggers_queue, triggers_timer

# Queue names are app settings (`%...%` in the bindings) so concurrent hosts in one test session stay apart.
os.environ.setdefault("DEVHOST_TEST_WORK_QUEUE", "devhost-work")
os.environ.setdefault("DEVHOST_TEST_FAIL_QUEUE", "devhost-fail")
os.environ.setdefault("DEVHOST_TEST_SLOW_TIMER_SCHEDULE", "0 0 0 1 1 *")

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (triggers_http.bp, triggers_timer.bp, triggers_queue.bp, durable_features.bp):
    app.register_functions(blueprint)
