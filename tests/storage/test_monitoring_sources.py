"""Monitoring reads the products' job tables (`shared/monitoring/store.py`: the list and one job) the
same way on every backend."""
from __future__ import annotations

from pathlib import Path

from shared.analyzer import jobs
from shared.analyzer.models import AnalysisOptions
from shared.monitoring import store as monitoring_store
from shared.policies import store
from shared.policies.config import load_config_file
from shared.storage.db import Database

CONFIG = Path(__file__).resolve().parents[2] / "config" / "policies.yaml"


def test_records_of_every_product_table(app_db: Database) -> None:
    job_id = jobs.new_job_id()
    jobs.create_job(app_db, job_id, analysis_type="full", engine="sqlite", target="samples/shop.db",
                    options=AnalysisOptions(), source="queue", secret_ref=None, connection_name="shop")
    jobs.mark_running(app_db, job_id, checks_total=4, server={})
    scan_id = "scan-20260101000000-abcdef"
    store.create_scan(app_db, scan_id, "timer", True, {}, load_config_file(str(CONFIG)), "acme")
    store.start_act_run(app_db, f"{scan_id}:act", scan_id, 1)
    records = {r.type: r for r in monitoring_store.page_records(app_db, {"analysis", "scan", "act"}, None, 0, 10)}
    assert (records["analysis"].id, records["analysis"].status, records["analysis"].total) == (job_id, "Running", 4)
    assert records["scan"].name == "timer scan of acme (dry run)" and records["scan"].total is None
    assert (records["act"].id, records["act"].scan_id, records["act"].status) == (f"{scan_id}:act", scan_id, "Running")
    # the list's mapping (one shape over the three tables) and the detail's (one table) agree
    assert monitoring_store.load_record(app_db, "scan", scan_id) == records["scan"]
    assert monitoring_store.load_record(app_db, "act", f"{scan_id}:act") == records["act"]
    assert monitoring_store.load_record(app_db, "analysis", job_id) == records["analysis"]
    assert monitoring_store.load_record(app_db, "analysis", "analysis-" + "0" * 32) is None
