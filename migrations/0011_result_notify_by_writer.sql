-- Each stored result is still announced on the sentinel_results channel with the payload of migration 0007, in the
-- transaction that stores it, but by the result writer's own statement (one pg_notify per result of the batch) rather
-- than by a row trigger on results. The trigger's machinery — an after-trigger event per row, the row fetched again, a
-- PL/pgSQL call — cost PostgreSQL about 6 µs per result, more than the notification itself. Rows that something other
-- than the writer inserts into results are no longer announced.

DROP TRIGGER results_stored ON results;
DROP FUNCTION sentinel_result_stored();
