-- Foundation: practices, accounts, sessions, email verification, outbox, login throttling.
-- Times are Unix seconds (UTC). Token columns hold SHA-256 hashes, never the tokens.

CREATE TABLE practices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id        INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    email              TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    password_hash      TEXT    NOT NULL,
    email_verified_at  BIGINT,
    idle_timeout_secs  BIGINT  NOT NULL DEFAULT 86400,
    created_at         BIGINT  NOT NULL
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    BLOB    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    ip            TEXT    NOT NULL,
    user_agent    TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE email_verifications (
    token_hash  BLOB    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  BIGINT  NOT NULL
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- Login attempts that count toward throttling. An attempt is recorded before the password is
-- checked (so parallel guesses cannot all pass the check), and forgiven when it succeeds.
CREATE TABLE login_attempts (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    scope  TEXT    NOT NULL,
    at     BIGINT  NOT NULL
);
CREATE INDEX login_attempts_by_scope ON login_attempts (scope, at);
CREATE INDEX login_attempts_by_time ON login_attempts (at);

CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);
CREATE INDEX email_verifications_by_expiry ON email_verifications (expires_at);
