-- Recurring jobs (schedules as data) and e-mail notifications through an outbox.
-- `next_run_at` is the claim: a tick moves it forward with a conditional UPDATE (WHERE next_run_at = the value it
-- read), so two hosts, or a restart, start each due occurrence once; occurrences missed while nothing ran collapse
-- into one. A run row per started occurrence keeps the job id and its outcome. The outbox is keyed by the event
-- (`failure:<jobId>:<attempt>`), so an event is queued once however often it is observed, and a lease
-- (`claimed_by`, `claimed_until`) lets exactly one sender at a time own a message while it talks to SMTP (or posts
-- to the webhook: `channel`).

CREATE TABLE schedules (
    schedule_id {id} PRIMARY KEY,
    kind {id} NOT NULL,
    cron {name} NOT NULL,
    time_zone {id} NOT NULL,
    enabled {bool} NOT NULL,
    overlap {id} NOT NULL,
    request_json {text} NOT NULL,
    recipients_json {text} NOT NULL,
    notify_on_json {text} NOT NULL,
    origin {id} NOT NULL,
    next_run_at {ts},
    queued_at {ts},
    last_run_id {id},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE INDEX ix_schedules_due ON schedules (enabled, next_run_at);

CREATE TABLE schedule_runs (
    run_id {id} PRIMARY KEY,
    schedule_id {id} NOT NULL,
    occurrence_at {ts} NOT NULL,
    trigger_kind {id} NOT NULL,
    job_id {id},
    status {id} NOT NULL,
    message {text},
    started_at {ts} NOT NULL,
    finished_at {ts}
);

CREATE INDEX ix_schedule_runs_schedule ON schedule_runs (schedule_id, started_at);

CREATE INDEX ix_schedule_runs_status ON schedule_runs (status, started_at);

CREATE INDEX ix_schedule_runs_job ON schedule_runs (job_id);

CREATE TABLE notification_outbox (
    outbox_id {id} PRIMARY KEY,
    channel {id} NOT NULL,
    event {id} NOT NULL,
    job_id {id},
    recipients_json {text} NOT NULL,
    subject {text} NOT NULL,
    body_text {text} NOT NULL,
    body_html {text} NOT NULL,
    status {id} NOT NULL,
    attempts {int} NOT NULL,
    next_attempt_at {ts} NOT NULL,
    claimed_by {id},
    claimed_until {ts},
    last_error {text},
    created_at {ts} NOT NULL,
    sent_at {ts}
);

CREATE INDEX ix_notification_outbox_due ON notification_outbox (status, next_attempt_at);

CREATE TABLE notification_log (
    log_id {id} PRIMARY KEY,
    outbox_id {id} NOT NULL,
    attempt {int} NOT NULL,
    outcome {id} NOT NULL,
    message {text},
    created_at {ts} NOT NULL
);

CREATE INDEX ix_notification_log_outbox ON notification_log (outbox_id, created_at);
