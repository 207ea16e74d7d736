-- Consent links after the answer: a signed link serves the copy for 30 days, then offers only
-- withdrawal, with a one-time code mailed to the client.

-- One row per code mailed. Only an HMAC of the code is kept, keyed with the link's token (which
-- the database does not hold), so six digits cannot be searched from a copy of this table. The
-- newest row of a request is its only live code; the rows of the last day count the mails sent.
CREATE TABLE consent_withdrawal_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES consent_requests (id) ON DELETE CASCADE,
    code_hash   BLOB    NOT NULL,
    sent_at     BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    -- Tries made with this code, right or wrong: each is counted before the code is compared.
    tries       BIGINT  NOT NULL DEFAULT 0,
    used_at     BIGINT
);
CREATE INDEX consent_withdrawal_codes_by_request ON consent_withdrawal_codes (request_id, id);

-- Practices that were given the default declarations: once, even when two first readings of
-- the declarations run at the same moment.
CREATE TABLE consent_defaults (
    practice_id  INTEGER PRIMARY KEY REFERENCES practices (id) ON DELETE CASCADE
);
INSERT INTO consent_defaults (practice_id) SELECT DISTINCT practice_id FROM consent_templates;
