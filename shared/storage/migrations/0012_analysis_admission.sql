-- SQL Analyzer admission: at most N analyses at once per target server and M overall, high priority first.
-- One row per job that asked to start; `granted_at` set when it may connect. Rows of jobs that ended are removed
-- by the next admission check, so a canceled waiting job leaves the line and a crashed job frees its slot. The
-- single row of `analysis_admission_lock` is updated at the start of every check, which serialises checks on
-- every backend (an UPDATE holds its row lock until commit) without dialect-specific locking hints. The job keeps
-- its priority (NULL = normal) for the status resource.

CREATE TABLE analysis_admission (
    job_id {id} PRIMARY KEY,
    server {name} NOT NULL,
    priority {id} NOT NULL,
    priority_rank {int} NOT NULL,
    requested_at {ts} NOT NULL,
    granted_at {ts}
);

CREATE INDEX ix_analysis_admission_server ON analysis_admission (server, granted_at);

CREATE TABLE analysis_admission_lock (
    lock_name {id} PRIMARY KEY,
    touched_at {ts} NOT NULL
);

ALTER TABLE analysis_jobs ADD priority {id};
