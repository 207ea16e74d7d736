-- Two-factor sign-in (TOTP), recovery codes, the pending code step of a login, support staff,
-- the lost-2FA requests they review, and the operator's audit log.

-- 'practitioner' or 'support'. Support staff sit in the operator's own practice, which holds no
-- client data; every practice endpoint refuses them by role.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'practitioner';
-- The TOTP secret, sealed with the master key; NULL while two-factor is off.
ALTER TABLE users ADD COLUMN totp_secret BYTEA;
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;
-- The last accepted 30-second time step: a code is accepted only for a later step, so the same
-- code never signs in twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- A secret shown in the set-up wizard, until the first code confirms it.
CREATE TABLE totp_setups (
    user_id     BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret      BYTEA   NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- Recovery codes, as SHA-256 hashes bound to the account; each works once.
CREATE TABLE recovery_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA   NOT NULL UNIQUE,
    used_at    BIGINT
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- A login that passed the password and waits for the code. Its token is not a session: nothing
-- but the code step (and the lost-2FA request) accepts it.
CREATE TABLE login_challenges (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  BYTEA   NOT NULL UNIQUE,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX login_challenges_by_expiry ON login_challenges (expires_at);

-- Who did it, when not the owner (e.g. the support person who decided a request).
ALTER TABLE security_events ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- "Lost access to my authenticator": the request and, until it is decided, its evidence.
CREATE TABLE lost_2fa_requests (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id            BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status             TEXT    NOT NULL DEFAULT 'pending',
    -- The requester's link to the status page; only its hash.
    status_token_hash  BYTEA   NOT NULL UNIQUE,
    -- Last four digits of the payment card, sealed; NULL once decided.
    card_last4         BYTEA,
    ip                 TEXT    NOT NULL,
    user_agent         TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    decided_at         BIGINT,
    decided_by         TEXT,
    reason             TEXT
);
CREATE INDEX lost_2fa_requests_by_status ON lost_2fa_requests (status, created_at);

-- Uploaded evidence, sealed with the master key and bound to its request and kind.
CREATE TABLE lost_2fa_evidence (
    request_id    BIGINT  NOT NULL REFERENCES lost_2fa_requests (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    data          BYTEA   NOT NULL,
    PRIMARY KEY (request_id, kind)
);

-- The operator's audit log: what support staff did, to which account. Kept when accounts go.
CREATE TABLE audit_log (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               BIGINT  NOT NULL,
    actor_id         BIGINT,
    actor_email      TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    subject_user_id  BIGINT,
    request_id       BIGINT
);
CREATE INDEX audit_log_by_time ON audit_log (at);
