-- Handing the practice to a new owner (issue 19, "Overfør eierskap"). The old owner names the new
-- owner's address and a temporary password; the hand-over waits until the link mailed to that
-- address is followed. At the hand-over the account takes the new login, and the new owner must
-- replace the temporary password at the first sign-in.
CREATE TABLE ownership_transfers (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id         INTEGER  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    user_id             INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email           TEXT    NOT NULL,
    new_name            TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    confirm_hash        BLOB    NOT NULL UNIQUE,
    confirm_expires_at  BIGINT  NOT NULL,
    confirmed_at        BIGINT,
    completed_at        BIGINT,
    created_at          BIGINT  NOT NULL
);
CREATE INDEX ownership_transfers_by_user ON ownership_transfers (user_id);

-- Set by a hand-over: the next sign-in must choose a password of its own first.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
-- The security log shows the account holder only events after this one (a hand-over starts a new
-- chapter: the new owner does not read the old owner's sign-ins).
ALTER TABLE users ADD COLUMN security_log_after BIGINT NOT NULL DEFAULT 0;
