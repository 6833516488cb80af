-- Recovering work whose worker died and whose message went with Redis (a flush, a failover, a
-- deleted key). A running scan or rendering refreshes `heartbeat_at` every quarter of the queue's
-- visibility timeout; a reconciler returns a RUNNING row whose heartbeat is older than three
-- visibility timeouts to PENDING and publishes it again. `scan_task_id` is the task id of an
-- audit's latest scan message, which the audits reconciler looks up by id (its presence key in
-- Redis) instead of reading every queue.
ALTER TABLE audits ADD COLUMN heartbeat_at timestamptz, ADD COLUMN scan_task_id text;
ALTER TABLE reports ADD COLUMN heartbeat_at timestamptz;
-- Rows running while this migration is applied were started by workers that do not heartbeat yet:
-- they get three visibility timeouts from now before counting as stuck.
UPDATE audits SET heartbeat_at = now() WHERE status = 'RUNNING';
UPDATE reports SET heartbeat_at = now() WHERE status = 'RUNNING';
CREATE INDEX reports_running_idx ON reports (created_at) WHERE status = 'RUNNING';
