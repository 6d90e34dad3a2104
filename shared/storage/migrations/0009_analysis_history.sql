-- SQL Analyzer history per target: each completed job keeps its score and finding count beside its row, so the
-- history of a target (engine + server + database) is read from one indexed table instead of parsing reports.

ALTER TABLE analysis_jobs ADD score {int};

ALTER TABLE analysis_jobs ADD findings_total {int};

CREATE INDEX ix_analysis_jobs_target ON analysis_jobs (engine, target, completed_at);
