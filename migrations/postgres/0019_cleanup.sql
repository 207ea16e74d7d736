-- Cleanup ("Opprydning", issue 18): clients deleted with all their data a set time after their
-- last activity; clients the practice keeps on hold; the 14-day notices; the deletion log (counts
-- only); and the lease that lets one server at a time run the job.

-- Off until the practice switches it on. `retention_months` counts from the client's last
-- appointment, journal entry, message or consent.
CREATE TABLE cleanup_settings (
    practice_id       BIGINT  PRIMARY KEY REFERENCES practices (id) ON DELETE CASCADE,
    enabled           BIGINT  NOT NULL DEFAULT 0,
    retention_months  BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);

-- "Keep this client": the job skips them. The reason is sealed with the client's data key.
CREATE TABLE cleanup_holds (
    client_id      BIGINT  PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    practice_id    BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    reason_sealed  BYTEA   NOT NULL,
    held_at        BIGINT  NOT NULL
);
CREATE INDEX cleanup_holds_by_practice ON cleanup_holds (practice_id);

-- The practice was mailed about this client at `noticed_at`; it goes no sooner than 14 days on.
CREATE TABLE cleanup_notices (
    client_id    BIGINT  PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    practice_id  BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    noticed_at   BIGINT  NOT NULL
);
CREATE INDEX cleanup_notices_by_practice ON cleanup_notices (practice_id);

-- What went: when, by which path, and how many records of each kind. Nothing that leads back to
-- a person.
CREATE TABLE deletion_log (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id       BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    at                BIGINT  NOT NULL,
    cause             TEXT    NOT NULL CHECK (cause IN ('retention', 'by_hand')),
    clients           BIGINT  NOT NULL DEFAULT 0,
    appointments      BIGINT  NOT NULL DEFAULT 0,
    journal_entries   BIGINT  NOT NULL DEFAULT 0,
    consents          BIGINT  NOT NULL DEFAULT 0,
    messages          BIGINT  NOT NULL DEFAULT 0,
    files             BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX deletion_log_by_practice ON deletion_log (practice_id, at);

-- One runner of a job across servers: the holder's lease runs out at `expires_at` (a server
-- that dies mid-run lets the next one in then). `last_run_at`: when a run last finished.
CREATE TABLE job_leases (
    name         TEXT    PRIMARY KEY,
    holder       TEXT    NOT NULL DEFAULT '',
    expires_at   BIGINT  NOT NULL DEFAULT 0,
    last_run_at  BIGINT
);

-- Deleting a client looks up its rows in these by the client alone (a cascade finds the child
-- rows by the foreign key column only: without these it scans the whole table for every client).
CREATE INDEX appointments_by_client ON appointments (client_id);
CREATE INDEX outbox_by_client ON outbox (client_id);
CREATE INDEX journal_entries_by_client_id ON journal_entries (client_id);
CREATE INDEX consent_requests_by_client_id ON consent_requests (client_id);
CREATE INDEX message_sessions_by_link ON message_sessions (link_id);
