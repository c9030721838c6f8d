-- Sentinel schema v1: checks (the source of truth for what runs), results (one row per run, a time series)
-- and check_state (what probes remember between runs, such as DNS baselines).

CREATE TABLE checks (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    target      text NOT NULL,
    name        text NOT NULL,
    interval_ms integer NOT NULL CHECK (interval_ms > 0),
    timeout_ms  integer NOT NULL CHECK (timeout_ms > 0),
    enabled     boolean NOT NULL,
    labels      jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The check's JSON as written; parsed again by the same parser whenever it is loaded.
    definition  jsonb NOT NULL,
    -- Where the check is owned: a file in the checks folder, or the API. The API refuses to edit file checks.
    origin      text NOT NULL CHECK (origin IN ('file', 'api')),
    source      text,
    -- Bumped on every change, so that schedulers (and API clients, as an ETag) notice it.
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE results (
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
    node             text NOT NULL
);

CREATE INDEX results_check_started ON results (check_id, started_at DESC);
CREATE INDEX results_started_brin ON results USING brin (started_at);

CREATE TABLE check_state (
    check_id   text NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    key        text NOT NULL,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    PRIMARY KEY (check_id, key)
);
