-- Webhook evaluations reuse what the delivery already carries (issue 13): the newest payload's `repository` object
-- of a pending evaluation is kept with it, so the evaluation stores it as the repository's snapshot instead of
-- asking GitHub for `GET /repos/<owner>/<repo>` again (one rate-limited request less per repository event).

ALTER TABLE policy_webhook_pending ADD repository_json {text};
