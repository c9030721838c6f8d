-- The HTTP API: keys, the history of every change made through it, pausing, and a notification on every change of
-- the checks table so that every node's scheduler follows a change made on another node.

-- API keys: never the key, only the SHA-256 of its secret. key_id is the public part of the key, for lookup; a revoked
-- key is kept (revoked_at) so that the history's key names stay explained.
CREATE TABLE api_keys (
    name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    key_id      text NOT NULL UNIQUE,
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    scope       text NOT NULL CHECK (scope IN ('read', 'write')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Every change made through the API, with the key's name and the definition before and after. No foreign key to
-- checks: the history of a deleted check stays readable.
CREATE TABLE check_changes (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    check_id text NOT NULL,
    action   text NOT NULL CHECK (action IN ('create', 'replace', 'patch', 'delete', 'pause', 'resume')),
    actor    text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    before   jsonb,
    after    jsonb,
    paused   boolean NOT NULL
);

CREATE INDEX check_changes_check ON check_changes (check_id, id DESC);

-- A paused check keeps its definition (file checks can be paused too) but is not scheduled.
ALTER TABLE checks ADD COLUMN paused boolean NOT NULL DEFAULT false;

-- One notification per transaction that changed checks (PostgreSQL folds identical notifications of a transaction);
-- every node LISTENs and reconciles its schedule and metrics view at once, the periodic poll being the safety net.
CREATE FUNCTION sentinel_checks_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sentinel_checks_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER checks_changed AFTER INSERT OR UPDATE OR DELETE ON checks
FOR EACH ROW EXECUTE FUNCTION sentinel_checks_changed();
