-- Policy Enforcer hardening (issues 7 and 13).
-- `warning`: a scan that completed although some repositories could not be evaluated says so here.
-- `policy_act_claims`: exactly one act run per scan at a time; a late queue message or a second starter finds the
-- claim taken (by scan id, in the application database, not in the queue).
-- `policy_webhook_deliveries`: every accepted `X-GitHub-Delivery`, so a redelivery is a no-op.
-- `policy_webhook_pending`: the debounce of webhook evaluations, one row per repository waiting to be evaluated.

ALTER TABLE policy_scans ADD warning {text};

CREATE TABLE policy_act_claims (
    scan_id {id} PRIMARY KEY,
    act_id {id} NOT NULL,
    claimed_at {ts} NOT NULL,
    released_at {ts}
);

CREATE TABLE policy_webhook_deliveries (
    delivery_id {id} PRIMARY KEY,
    event_name {id} NOT NULL,
    action_name {id},
    repository {name},
    outcome {id} NOT NULL,
    received_at {ts} NOT NULL
);

CREATE TABLE policy_webhook_pending (
    repository {name} PRIMARY KEY,
    org {name} NOT NULL,
    policies_json {text} NOT NULL,
    deliveries_json {text} NOT NULL,
    first_seen_at {ts} NOT NULL,
    due_at {ts} NOT NULL
);
