-- GitHub conditional-request cache: the last ETag, body and Link header per GET URL (relative to the base URL).
-- A daily re-scan sends If-None-Match for every URL seen before; GitHub answers 304 without spending the rate
-- limit, and the stored body (and its Link header, so paging continues) stands in for the response.

CREATE TABLE github_etag_cache (
    cache_key {id} PRIMARY KEY,
    url {text} NOT NULL,
    etag {text} NOT NULL,
    link {text},
    body {text} NOT NULL,
    updated_at {ts} NOT NULL
);
