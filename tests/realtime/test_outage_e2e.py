"""A SignalR outage loses nothing else: with the local SignalR service killed mid-job the job completes and polling
answers as before, the host logs one warning without secrets; when the service is back, clients reconnect on their
own (`withAutomaticReconnect` negotiates again, and the app puts them back in their job's group) and receive the
events of what runs next, in order."""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.analysis_support import host_env, start, status, wait_final
from tests.realtime.realtime_support import FINAL, Gate, assert_progress_in_order
from tests.realtime.signalr_support import NodeListener, SignalRProcess
from tests.support.local_host import LocalHost

pytestmark = [pytest.mark.e2e, pytest.mark.live, pytest.mark.slow]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignalRProcess]:
    process = SignalRProcess(tmp_path_factory.mktemp("signalr")).start()
    yield process
    process.stop()


def _final_seen(listener: NodeListener) -> bool:
    return any(e["status"] in FINAL for e in listener.events("AnalysisProgress"))


def test_outage_mid_job_then_reconnect_and_resume(local_host: Callable[..., LocalHost], service: SignalRProcess,
                                                  tmp_path: Path) -> None:
    # The service runs in its own process, so the host finds the port taken and uses it instead of its own.
    host = local_host(env=host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(tmp_path),
                                              ANALYZER_LOCK_TIMEOUT_MS="60000",
                                              AzureSignalRConnectionString=service.connection_string))
    during, after = Gate(tmp_path / "during.db"), Gate(tmp_path / "after.db")
    job_during = start(host, {"connectionString": during.connection_string})["jobId"]
    job_after = start(host, {"connectionString": after.connection_string})["jobId"]
    client_during = NodeListener(f"{host.base_url}/api?jobId={job_during}", host.function_key)
    client_after = NodeListener(f"{host.base_url}/api?jobId={job_after}", host.function_key)
    try:
        client_during.connected()
        client_after.connected()

        service.stop(signal.SIGKILL)   # an outage: no goodbye to anyone
        for client in (client_during, client_after):
            client.wait_until(lambda c: any(s["state"] == "reconnecting" for s in c.states()), 30, "reconnecting")
        during.release()
        final = wait_final(host, job_during)[-1]   # polling works, the job is not slowed into failure
        assert final["status"] == "Completed" and final["progressPercentage"] == 100
        assert not _final_seen(client_during)

        service.start()
        for client in (client_during, client_after):
            client.wait_until(lambda c: any(s["state"] == "reconnected" for s in c.states()), 60, "reconnected")
        assert status(host, job_after)["status"] in ("Pending", "Running")
        after.release()
        client_after.wait_until(_final_seen, 90, f"final AnalysisProgress of {job_after} after the reconnect")
        events = client_after.events("AnalysisProgress")
        assert_progress_in_order(events, job_after)
        assert events[-1]["status"] == "Completed" and events[-1] == wait_final(host, job_after)[-1]
        assert_progress_in_order(client_during.events("AnalysisProgress") or [final], job_during)
    finally:
        during.release()
        after.release()
        client_during.stop()
        client_after.stop()
    log = host.log_text()
    assert log.count("SignalR service unreachable") == 1, log[-3000:]
    # Every reconnect attempt of every client got a 503 from negotiate, but the log has one line per 30 s at most.
    assert 1 <= log.count("SignalR service call failed") <= 2, log[-3000:]
    key = service.connection_string.split("AccessKey=", 1)[1].split(";", 1)[0]
    assert key not in log and "Bearer" not in log and "accessToken" not in log
