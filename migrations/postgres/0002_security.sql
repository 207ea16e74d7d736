-- The owner's security log: sign-ins, failures, sign-outs, revoked sessions and other account
-- changes, with where they came from. Never any secret.
CREATE TABLE security_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    ip          TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    -- Browser, OS and device class as parsed from the User-Agent: what "a new device" compares.
    device      TEXT    NOT NULL
);
CREATE INDEX security_events_by_user ON security_events (user_id, at);

-- When this session last proved its password: sensitive changes need it within 10 minutes.
ALTER TABLE sessions ADD COLUMN password_confirmed_at BIGINT NOT NULL DEFAULT 0;

-- "Forgot password" links: single use, valid one hour; only the token's hash is kept.
CREATE TABLE password_resets (
    token_hash  BYTEA   PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX password_resets_by_expiry ON password_resets (expires_at);
