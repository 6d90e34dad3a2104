-- SQL Analyzer: honest results when the target connection is lost mid-batch. An outcome remembers that its check
-- could not run because the connection kept dropping (so the job can say it is partial, and why); the job counts
-- the new sessions its batches opened after a lost connection, and keeps the reason it is partial.

ALTER TABLE analysis_outcomes ADD connection_lost {bool} NOT NULL DEFAULT 0;

ALTER TABLE analysis_jobs ADD reconnects {int} NOT NULL DEFAULT 0;

ALTER TABLE analysis_jobs ADD partial_reason {text};
