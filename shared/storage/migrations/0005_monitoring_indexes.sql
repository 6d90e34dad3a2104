-- Monitoring lists, filters and pages the three job tables in SQL (`shared/monitoring/store.py`): newest first with
-- the id as tie-breaker, optionally by status, and counts what finished in the last day or week. These indexes keep
-- each of those reads an index range scan however many jobs the tables hold (benchmarks/bench_monitoring.py: 100,000
-- jobs).

CREATE INDEX ix_analysis_jobs_newest ON analysis_jobs (created_at, job_id);

CREATE INDEX ix_analysis_jobs_status_newest ON analysis_jobs (status, created_at, job_id);

CREATE INDEX ix_analysis_jobs_completed ON analysis_jobs (completed_at);

CREATE INDEX ix_analysis_jobs_status_completed ON analysis_jobs (status, completed_at);

CREATE INDEX ix_policy_scans_newest ON policy_scans (created_at, scan_id);

CREATE INDEX ix_policy_scans_status_newest ON policy_scans (status, created_at, scan_id);

CREATE INDEX ix_policy_scans_completed ON policy_scans (completed_at);

CREATE INDEX ix_policy_scans_status_completed ON policy_scans (status, completed_at);

CREATE INDEX ix_policy_act_runs_newest ON policy_act_runs (started_at, act_id);

CREATE INDEX ix_policy_act_runs_status_newest ON policy_act_runs (status, started_at, act_id);

CREATE INDEX ix_policy_act_runs_completed ON policy_act_runs (completed_at);

CREATE INDEX ix_policy_act_runs_status_completed ON policy_act_runs (status, completed_at);

-- Reconciling active act steps reads the scans whose act step is Pending or Running.
CREATE INDEX ix_policy_scans_act_status ON policy_scans (act_status);
