-- Sign-in hardening: a two-factor code counter of its own, browsers that signed in before,
-- throttle scopes as keyed hashes, and which evidence a support person has opened.

-- Wrong codes in a row at the code step; only a completed sign-in sets it back to 0. At 10 the
-- code step takes no more app codes (recovery codes and the lost-2FA path stay open).
ALTER TABLE users ADD COLUMN totp_failures BIGINT NOT NULL DEFAULT 0;

-- A browser that completed a sign-in to this account: its device cookie, hashed. Failures from
-- other networks never block it.
CREATE TABLE known_devices (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    BYTEA   NOT NULL UNIQUE,
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT  NOT NULL
);
CREATE INDEX known_devices_by_user ON known_devices (user_id);
CREATE INDEX known_devices_by_use ON known_devices (last_used_at);

-- Scopes held plain text (an email address, a booker's IP address); they are keyed hashes now,
-- and the old rows (at most a day of attempts) go.
DELETE FROM login_attempts;

-- Evidence of a lost-2FA request that a support person has opened: approval needs all of it.
CREATE TABLE lost_2fa_evidence_views (
    request_id  BIGINT  NOT NULL REFERENCES lost_2fa_requests (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    staff_id    BIGINT  NOT NULL,
    at          BIGINT  NOT NULL,
    PRIMARY KEY (request_id, kind, staff_id)
);
