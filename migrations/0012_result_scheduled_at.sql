-- Each result keeps the fire time the scheduler planned its run for (null for a run asked for at once: the API's run
-- now). started_at follows it by the scheduler's lag, so the two together say how late a run started, and one fire of a
-- check has one planned time: in a cluster, two results of a check with the same scheduled_at are one fire run twice.
-- A column without a default: added to every partition without rewriting them; rows stored before read null.
ALTER TABLE results ADD COLUMN scheduled_at timestamptz;
