-- The HTTP API: keys, the history of every change made through it, pausing, and notifications of every change of a
-- check and every stored result, so that every node's scheduler and event stream follow what any node did.

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

-- The API's label filter (labels @> '{"team": "payments"}').
CREATE INDEX checks_labels ON checks USING gin (labels jsonb_path_ops);

-- A paused check keeps its definition (file checks can be paused too) but is not scheduled.
ALTER TABLE checks ADD COLUMN paused boolean NOT NULL DEFAULT false;

-- A notification for every change of a check (its id and the operation), which every node LISTENs for: its scheduler
-- and metrics view reconcile at once (the periodic poll is the safety net), and its event stream tells clients.
CREATE FUNCTION sentinel_checks_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sentinel_checks_changed',
                      json_build_object('check', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, 'change', lower(TG_OP))::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER checks_changed AFTER INSERT OR UPDATE OR DELETE ON checks
FOR EACH ROW EXECUTE FUNCTION sentinel_checks_changed();

-- A notification for every stored result, sent when the batch that holds it commits, so that every node's event
-- stream carries every result whichever node ran it. The payload is small (PostgreSQL allows 8000 bytes): the API's
-- clients read the whole result where they need it.
CREATE FUNCTION sentinel_result_stored() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sentinel_results', json_build_object(
        'id', NEW.id, 'check', NEW.check_id, 'status', NEW.status, 'startedAt', NEW.started_at,
        'durationMs', NEW.duration_ms, 'category', NEW.failure_category, 'node', NEW.node)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER results_stored AFTER INSERT ON results
FOR EACH ROW EXECUTE FUNCTION sentinel_result_stored();
