-- Beat's dispatch record: one row per schedule entry with the last slot dispatched. Claiming a slot is a
-- compare-and-set on last_slot, so no slot is dispatched twice, even when the beat leader changes.
CREATE TABLE beat_slots (
    schedule text PRIMARY KEY CHECK (length(schedule) BETWEEN 1 AND 200),
    last_slot timestamptz NOT NULL,
    dispatched_by text NOT NULL,
    task_id text NOT NULL,
    dispatched_at timestamptz NOT NULL DEFAULT now()
);
