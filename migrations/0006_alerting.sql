-- Alerting: one row per alert (a check failing, Sentinel blind, a certificate expiring, an answer that drifted) with
-- its state and what its evaluation remembers, and the outbox of the notifications its changes produced.
--
-- A change of an alert and its notification rows commit in one transaction. Evaluation locks the alert's row
-- (SELECT ... FOR UPDATE), so nodes that evaluate the same alert take turns; a result already counted (by
-- last_result_at and last_result_id) is not counted again; and each notification row is unique by
-- (alert, sequence, channel), the sequence being the alert's count of changes, so that one change can never queue the
-- same notification twice. The sender marks a row sent only after the peer accepted it (at-least-once).

CREATE TABLE alerts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('check_failing', 'sentinel_blind', 'certificate_expiring', 'dns_drift', 'header_drift')),
    -- What the alert is about: the check id, the node name, the certificate's SHA-256 fingerprint.
    key               text NOT NULL,
    -- How people name it: the check's name, the certificate's subject.
    title             text NOT NULL,
    severity          text NOT NULL CHECK (severity IN ('critical', 'warning')),
    state             text NOT NULL CHECK (state IN ('ok', 'pending', 'firing', 'resolved')),
    -- When the state began; for a firing check, when its failures began.
    since             timestamptz NOT NULL,
    -- Changes that notified so far; a notification row names the one that produced it.
    sequence          bigint NOT NULL DEFAULT 0,
    -- The latest counted outcomes of a check, oldest first: F failed, P passed (at most 100).
    recent            text NOT NULL DEFAULT '',
    last_result_id    uuid,
    last_result_at    timestamptz,
    -- The result that made the alert fire, and its failure category.
    trigger_result_id uuid,
    reason            text,
    last_notified_at  timestamptz,
    -- What else the kind remembers: for a certificate, the thresholds already notified (e.g. "30,14,lifetime").
    memory            text NOT NULL DEFAULT '',
    updated_at        timestamptz NOT NULL,
    UNIQUE (kind, key)
);

CREATE INDEX alerts_not_ok ON alerts (updated_at DESC) WHERE state <> 'ok';

CREATE TABLE alert_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id        bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    sequence        bigint NOT NULL,
    channel         text NOT NULL,
    event           text NOT NULL CHECK (event IN ('firing', 'resolved', 'reminder')),
    subject         text NOT NULL,
    text_body       text NOT NULL,
    html_body       text NOT NULL,
    -- The webhook's JSON body.
    payload         jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    -- A sender that took the row delivers it until then; past it, another sender may (the first one died).
    claimed_until   timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    UNIQUE (alert_id, sequence, channel)
);

-- The certificate each check served last, by SHA-256 fingerprint of its leaf: a certificate alert lists the checks
-- serving it, and is renewed once none does any more.
CREATE TABLE check_certificates (
    check_id    text PRIMARY KEY,
    fingerprint text NOT NULL,
    seen_at     timestamptz NOT NULL
);

CREATE INDEX check_certificates_fingerprint ON check_certificates (fingerprint);

CREATE INDEX alert_outbox_queued ON alert_outbox (channel, next_attempt_at) WHERE state = 'queued';
