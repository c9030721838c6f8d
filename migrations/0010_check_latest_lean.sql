-- check_latest points at each check's latest result instead of holding a second copy of it. The writer updates a
-- check's row with every batch, and rewriting the result's JSON columns there (phases, measurements, problems,
-- findings, details) cost PostgreSQL more per result than storing the result itself. What stays is what the writer
-- compares and the lists read without the rest: the result's id and start (its key in results), status, duration,
-- failure, node, since when the status holds, and the samples, which results does not keep. Readers join results on
-- (result_id, started_at) for the JSON columns, with a LEFT JOIN: a check that has not run for longer than the raw
-- retention keeps its latest status, duration and failure, while its phases and measurements are gone with the day's
-- partition.
--
-- The columns dropped here hold nothing results does not: each row was written in the transaction that stored its
-- result.

ALTER TABLE check_latest
    DROP COLUMN phases,
    DROP COLUMN measurements,
    DROP COLUMN problems,
    DROP COLUMN findings,
    DROP COLUMN details;
