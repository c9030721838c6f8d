-- Since when each check has been in its current state (up, degraded, down, unknown): the start of the newest run of
-- equal statuses, which the status page and GET /v1/checks/{id}/latest show. The result writer keeps it with every
-- batch (Storage/ResultBatchWriter): carried over while the status stays the same, the first run of the new status
-- when it changes; a row without it (written by hand) reads as since its run. Reading it from results instead would scan a check's whole history whenever the state never changed.

ALTER TABLE check_latest ADD COLUMN status_since timestamptz;

-- The checks stored so far: the first run after the newest run of another status, or the oldest run kept when every
-- kept run has the same status.
UPDATE check_latest l SET status_since = coalesce(
    (SELECT min(r.started_at) FROM results r
     WHERE r.check_id = l.check_id
       AND r.started_at > (SELECT max(o.started_at) FROM results o WHERE o.check_id = l.check_id AND o.status <> l.status)),
    (SELECT min(r.started_at) FROM results r WHERE r.check_id = l.check_id AND r.status = l.status),
    l.started_at);
