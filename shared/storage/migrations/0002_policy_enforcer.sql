-- GitHub Policy Enforcer: scans, per-repository results, violations, issue links, action log, act runs, lock.
-- Results are keyed by scan x repository x policy so that re-running a batch upserts instead of duplicating.

CREATE TABLE policy_scans (
    scan_id {id} PRIMARY KEY,
    status {id} NOT NULL,
    trigger_kind {id} NOT NULL,
    dry_run {bool} NOT NULL,
    request_json {text} NOT NULL,
    config_json {text} NOT NULL,
    org {name} NOT NULL,
    created_at {ts} NOT NULL,
    started_at {ts},
    completed_at {ts},
    repositories_total {int},
    repositories_scanned {int} NOT NULL,
    violations_found {int} NOT NULL,
    error {text},
    act_id {id},
    act_status {id},
    act_attempt {int} NOT NULL,
    act_requested_at {ts},
    act_error {text}
);

CREATE INDEX ix_policy_scans_created ON policy_scans (created_at);

CREATE TABLE policy_scan_lock (
    lock_name {id} PRIMARY KEY,
    scan_id {id} NOT NULL,
    acquired_at {ts} NOT NULL
);

CREATE TABLE policy_scan_repositories (
    scan_id {id} NOT NULL,
    seq {int} NOT NULL,
    repository {name} NOT NULL,
    snapshot_json {text} NOT NULL,
    PRIMARY KEY (scan_id, seq)
);

CREATE TABLE policy_results (
    scan_id {id} NOT NULL,
    repository {name} NOT NULL,
    policy_id {id} NOT NULL,
    outcome {id} NOT NULL,
    severity {id} NOT NULL,
    action {id} NOT NULL,
    message {text} NOT NULL,
    details_json {text} NOT NULL,
    evaluated_at {ts} NOT NULL,
    PRIMARY KEY (scan_id, repository, policy_id)
);

CREATE TABLE policy_violations (
    scan_id {id} NOT NULL,
    repository {name} NOT NULL,
    policy_id {id} NOT NULL,
    severity {id} NOT NULL,
    action {id} NOT NULL,
    message {text} NOT NULL,
    details_json {text} NOT NULL,
    details_hash {id} NOT NULL,
    PRIMARY KEY (scan_id, repository, policy_id)
);

CREATE TABLE policy_issue_links (
    repository {name} NOT NULL,
    policy_id {id} NOT NULL,
    issue_number {int},
    issue_url {text},
    state {id},
    details_hash {id},
    claimed_by {id},
    claimed_until {ts},
    updated_at {ts} NOT NULL,
    PRIMARY KEY (repository, policy_id)
);

CREATE TABLE policy_action_log (
    log_id {id} PRIMARY KEY,
    scan_id {id} NOT NULL,
    act_id {id} NOT NULL,
    repository {name} NOT NULL,
    policy_id {id} NOT NULL,
    action {id} NOT NULL,
    outcome {id} NOT NULL,
    http_status {int},
    issue_number {int},
    issue_url {text},
    attempt {int} NOT NULL,
    message {text},
    created_at {ts} NOT NULL
);

CREATE INDEX ix_policy_action_log_scan ON policy_action_log (scan_id, created_at);

CREATE TABLE policy_act_runs (
    act_id {id} PRIMARY KEY,
    scan_id {id} NOT NULL,
    attempt {int} NOT NULL,
    status {id} NOT NULL,
    started_at {ts} NOT NULL,
    completed_at {ts},
    error {text}
);
