-- Every result has an identity from birth and is stored exactly once; history is partitioned by day; each check's
-- latest result is kept where every node reads it.
--
-- results: the id is a time-ordered UUID (version 7) the node gives a result when the probe run starts, so a batch
-- retried after an unknown outcome (a commit whose acknowledgement was lost) adds each row once: the writer copies a
-- batch into a staging table and inserts what is not there yet. The primary key holds the partition key, as
-- PostgreSQL requires of a unique index on a partitioned table. ingested_at is when the row arrived, so that
-- incremental work (rollups) can pick up rows that arrive late, after an outage, by arrival rather than by age.
--
-- Partitions are whole UTC days named results_YYYYMMDD, made by sentinel_results_partition(day): ahead of time by
-- maintenance, and by the writer for any day a batch needs that has none (results replayed after a long outage). The
-- default partition results_undated holds only what no day can (see below).

CREATE FUNCTION sentinel_uuid_v7(at timestamptz) RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    -- RFC 9562, 5.7: 48 bits of Unix milliseconds, then the version (7) and random bits. A version 4 UUID supplies
    -- the random bits and the variant; its version nibble 0100 becomes 0111 by setting bits 52 and 53.
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

CREATE FUNCTION sentinel_results_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    name text := 'results_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;

    -- Nodes that need the same day at the same time take turns; the second finds it made.
    PERFORM pg_advisory_xact_lock(hashtext('sentinel results partition'), hashtext(name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF results FOR VALUES FROM (%L) TO (%L)',
                       name, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
    END IF;

    RETURN name;
END
$$;

DROP VIEW path_hops;
ALTER TABLE results RENAME TO results_unpartitioned;
ALTER INDEX results_check_started RENAME TO results_unpartitioned_check_started;
ALTER INDEX results_started_brin RENAME TO results_unpartitioned_started_brin;

CREATE TABLE results (
    id               uuid NOT NULL DEFAULT sentinel_uuid_v7(now()),
    check_id         text NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_ms      double precision NOT NULL,
    status           text NOT NULL CHECK (status IN ('up', 'degraded', 'down', 'unknown')),
    success          boolean GENERATED ALWAYS AS (status IN ('up', 'degraded')) STORED,
    failure_layer    text,
    failure_category text,
    failure_message  text,
    -- {"resolve": 0.4, "connect": 1.2, ...} in milliseconds
    phases           jsonb NOT NULL,
    -- {"tcp.duration.connect_ms": 1.2, ...}
    measurements     jsonb NOT NULL,
    -- [{"layer", "category", "severity", "message", "hint"}, ...]
    problems         jsonb NOT NULL,
    -- [{"id", "severity", "message", "hint", "evidence"}, ...]
    findings         jsonb NOT NULL,
    -- probe-specific: the address connected to, the certificate chain, the hops of a path
    details          jsonb,
    node             text NOT NULL,
    ingested_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

CREATE INDEX results_check_started ON results (check_id, started_at DESC);

-- Rows that fit no day: a start time of -infinity or infinity (what a default timestamp becomes). They are kept, not
-- refused; the writer makes a day's partition before it writes that day's rows, so nothing else lands here.
CREATE TABLE results_undated PARTITION OF results DEFAULT;
CREATE INDEX results_ingested_brin ON results USING brin (ingested_at);

-- The days the existing rows need, and today and the next two, so that writing starts without waiting for maintenance.
SELECT sentinel_results_partition(day)
FROM (SELECT DISTINCT (started_at AT TIME ZONE 'UTC')::date AS day FROM results_unpartitioned
      UNION
      SELECT (now() AT TIME ZONE 'UTC')::date + n FROM generate_series(0, 2) AS n) AS days;

INSERT INTO results (id, check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                     phases, measurements, problems, findings, details, node)
SELECT sentinel_uuid_v7(started_at), check_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
       phases, measurements, problems, findings, details, node
FROM results_unpartitioned;

DROP TABLE results_unpartitioned;

-- As 0003 defined it, over the partitioned table.
CREATE VIEW path_hops AS
SELECT r.check_id,
       r.started_at,
       (h ->> 'hop')::int                    AS hop,
       h ->> 'address'                       AS address,
       (h ->> 'sent')::int                   AS sent,
       (h ->> 'received')::int               AS received,
       (h ->> 'lossRatio')::double precision AS loss_ratio,
       (h ->> 'avgMs')::double precision     AS avg_ms,
       (h ->> 'bestMs')::double precision    AS best_ms,
       (h ->> 'worstMs')::double precision   AS worst_ms,
       (h ->> 'stdDevMs')::double precision  AS stddev_ms,
       r.node,
       (h ->> 'lastMs')::double precision    AS last_ms,
       ARRAY(SELECT a.value ->> 'address'
             FROM jsonb_array_elements(CASE WHEN jsonb_typeof(h -> 'addresses') = 'array' THEN h -> 'addresses' ELSE '[]'::jsonb END)
                  WITH ORDINALITY AS a(value, position)
             ORDER BY a.position)            AS responders,
       (r.details ->> 'reached')::boolean    AS reached
FROM results r
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.details -> 'hops') = 'array' THEN r.details -> 'hops' ELSE '[]'::jsonb END) AS h
WHERE jsonb_typeof(r.details -> 'cycles') = 'number';

-- Each check's latest result, updated in the transaction that writes its batch (only by a newer result), so that
-- every process — another node, the API, the CLI, a restarted daemon rebuilding /metrics — reads the same state.
-- samples holds the result's probe-declared series ([{"metric", "value", "labels"}]), which results does not keep.
-- No foreign key to checks: a result may arrive after its check was removed; readers join with checks.
CREATE TABLE check_latest (
    check_id         text PRIMARY KEY,
    result_id        uuid NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_ms      double precision NOT NULL,
    status           text NOT NULL CHECK (status IN ('up', 'degraded', 'down', 'unknown')),
    failure_layer    text,
    failure_category text,
    failure_message  text,
    phases           jsonb NOT NULL,
    measurements     jsonb NOT NULL,
    problems         jsonb NOT NULL,
    findings         jsonb NOT NULL,
    details          jsonb,
    samples          jsonb NOT NULL DEFAULT '[]'::jsonb,
    node             text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The latest of each check among the rows already stored.
INSERT INTO check_latest (check_id, result_id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
                          phases, measurements, problems, findings, details, node)
SELECT DISTINCT ON (check_id) check_id, id, started_at, duration_ms, status, failure_layer, failure_category, failure_message,
       phases, measurements, problems, findings, details, node
FROM results
ORDER BY check_id, started_at DESC;
