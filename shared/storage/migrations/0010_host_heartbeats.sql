-- Servers page: each host instance records that it is alive (a timer every 30 s, and the instance answering
-- GET /api/v1/servers), so the dashboard lists every instance seen recently with its start time and version.

CREATE TABLE host_heartbeats (
    instance_id {id} PRIMARY KEY,
    host_name {name} NOT NULL,
    version {name} NOT NULL,
    started_at {ts} NOT NULL,
    heartbeat_at {ts} NOT NULL
);
