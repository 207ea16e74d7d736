-- A change of an account's sign-in address (issue 19). It happens only when the link mailed to
-- the new address is followed; the old address is then told, with a link that undoes the change
-- within 7 days. Link columns hold SHA-256 hashes, never the links.
CREATE TABLE email_changes (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_email           TEXT    NOT NULL,
    new_email           TEXT    NOT NULL,
    confirm_hash        BYTEA    NOT NULL UNIQUE,
    confirm_expires_at  BIGINT  NOT NULL,
    confirmed_at        BIGINT,
    revert_hash         BYTEA    UNIQUE,
    revert_expires_at   BIGINT,
    reverted_at         BIGINT,
    created_at          BIGINT  NOT NULL
);
CREATE INDEX email_changes_by_user ON email_changes (user_id);
