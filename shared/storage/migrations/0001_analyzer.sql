-- SQL Analyzer: jobs, encrypted connection strings, per-check outcomes, finished reports, queue message ids.
-- Outcomes are keyed by job x check so a retried batch activity upserts instead of duplicating; the queue table
-- maps a storage message id to the job it started, so a redelivered message never starts a second job.

CREATE TABLE analysis_jobs (
    job_id {id} PRIMARY KEY,
    status {id} NOT NULL,
    analysis_type {id} NOT NULL,
    engine {id} NOT NULL,
    target {name} NOT NULL,
    connection_name {name},
    secret_ref {id},
    options_json {text} NOT NULL,
    source {id} NOT NULL,
    attempt {int} NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    started_at {ts},
    completed_at {ts},
    checks_total {int} NOT NULL,
    checks_completed {int} NOT NULL,
    current_step {name} NOT NULL,
    server_json {text},
    error {text}
);

CREATE INDEX ix_analysis_jobs_created ON analysis_jobs (created_at);

CREATE INDEX ix_analysis_jobs_status ON analysis_jobs (status, created_at);

CREATE TABLE analysis_secrets (
    secret_ref {id} PRIMARY KEY,
    ciphertext {text} NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts}
);

CREATE TABLE analysis_outcomes (
    job_id {id} NOT NULL,
    check_id {id} NOT NULL,
    skipped {text},
    findings_json {text} NOT NULL,
    finding_count {int} NOT NULL,
    duration_ms {int} NOT NULL,
    recorded_at {ts} NOT NULL,
    PRIMARY KEY (job_id, check_id)
);

CREATE TABLE analysis_reports (
    job_id {id} PRIMARY KEY,
    report_json {text} NOT NULL,
    created_at {ts} NOT NULL
);

CREATE TABLE analysis_queue_messages (
    message_id {id} PRIMARY KEY,
    job_id {id} NOT NULL,
    received_at {ts} NOT NULL
);
