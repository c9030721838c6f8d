-- History that stays fast for a year: each check's results summed up per minute and per hour ("rollups"), kept longer
-- than the raw rows and read instead of them for long ranges. Storage maintenance (Storage/StorageMaintenance,
-- Storage/ResultRollups) computes them incrementally and drops what is past retention.
--
-- One row per check, bucket and phase. phase 'total' is the whole run (results.duration_ms); the others are the keys of
-- results.phases ('resolve', 'connect', 'tls', ...), each counted over the runs that timed it. runs is how many runs of
-- the bucket the row covers (for 'total', all of them); down, degraded and unknown count those among them with that
-- status, so up = runs - down - degraded - unknown. min_ms, avg_ms, max_ms and p95_ms are the durations of those runs in
-- milliseconds, p95 interpolated as percentile_cont(0.95) does. A bucket is its first instant, a whole UTC minute or
-- hour; a bucket with no run has no row.
--
-- rollups_minute is partitioned by UTC day (rollups_minute_YYYYMMDD) and rollups_hour by UTC month
-- (rollups_hour_YYYYMM), so that retention drops whole partitions instead of deleting rows one by one.
-- sentinel_rollups_partition makes them: ahead of time, and for the days a rollup round writes into.

CREATE TABLE rollups_minute (
    check_id text NOT NULL,
    bucket   timestamptz NOT NULL,
    phase    text NOT NULL,
    runs     integer NOT NULL CHECK (runs > 0),
    down     integer NOT NULL,
    degraded integer NOT NULL,
    unknown  integer NOT NULL,
    min_ms   double precision NOT NULL,
    avg_ms   double precision NOT NULL,
    max_ms   double precision NOT NULL,
    p95_ms   double precision NOT NULL,
    -- One check's buckets in time order, all phases of a bucket together: what history and uptime read. The numbers
    -- are in the index too, so that reading a check's day of minutes or month of hours is an index-only scan of a few
    -- dozen pages: rounds write a minute or an hour of every check at a time, which leaves one check's buckets on as
    -- many heap pages as it has buckets. The price is space: the index takes about one and a half times the table's.
    PRIMARY KEY (check_id, bucket, phase) INCLUDE (runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms)
) PARTITION BY RANGE (bucket);

CREATE TABLE rollups_hour (
    check_id text NOT NULL,
    bucket   timestamptz NOT NULL,
    phase    text NOT NULL,
    runs     integer NOT NULL CHECK (runs > 0),
    down     integer NOT NULL,
    degraded integer NOT NULL,
    unknown  integer NOT NULL,
    min_ms   double precision NOT NULL,
    avg_ms   double precision NOT NULL,
    max_ms   double precision NOT NULL,
    p95_ms   double precision NOT NULL,
    -- As rollups_minute's.
    PRIMARY KEY (check_id, bucket, phase) INCLUDE (runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms)
) PARTITION BY RANGE (bucket);

CREATE FUNCTION sentinel_rollups_partition(resolution text, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    period text;
    first timestamp;
    name text;
BEGIN
    IF resolution = 'minute' THEN
        period := 'day';
    ELSIF resolution = 'hour' THEN
        period := 'month';
    ELSE
        RAISE EXCEPTION 'unknown rollup resolution %; expected minute or hour', resolution;
    END IF;

    first := date_trunc(period, at AT TIME ZONE 'UTC');
    name := 'rollups_' || resolution || '_' || to_char(first, CASE period WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;

    -- As sentinel_results_partition: whoever comes second finds it made.
    PERFORM pg_advisory_xact_lock(hashtext('sentinel rollups partition'), hashtext(name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                       name, 'rollups_' || resolution, first AT TIME ZONE 'UTC',
                       (first + ('1 ' || period)::interval) AT TIME ZONE 'UTC');
    END IF;

    RETURN name;
END
$$;

-- How far the rollups have got. ingested_before: every result row with ingested_at before it was in the database when
-- its minute was last computed; -infinity until the first round, which rolls up whatever is there. hours_before: every
-- hour bucket before it is complete in rollups_hour (an hour is computed once it is settled, see below).
CREATE TABLE rollup_progress (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    ingested_before timestamptz NOT NULL,
    hours_before    timestamptz NOT NULL DEFAULT '-infinity',
    rolled_at       timestamptz
);

INSERT INTO rollup_progress (ingested_before) VALUES ('-infinity');

-- Hours that received rows and are not rolled up yet. A minute is computed in the round its rows arrive; an hour waits
-- until no more runs are expected in it (its end is before the watermark minus the longest a run may take to arrive),
-- so that it is computed from its raw rows once rather than again in every round while it fills. Rows replayed late
-- put their old hour back here.
CREATE TABLE rollup_pending_hours (
    check_id text NOT NULL,
    hour     timestamptz NOT NULL,
    PRIMARY KEY (check_id, hour)
);
