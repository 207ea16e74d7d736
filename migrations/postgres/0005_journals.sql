-- Journals, per-client data keys (envelope encryption), the practice's audit log, and the
-- practice details the data processing agreement is filled with.

-- Each client's data keys, only ever wrapped (sealed) by the master key. A record sealed with a
-- data key names its version; rotating the master key re-wraps these rows and nothing else.
CREATE TABLE client_keys (
    client_id    BIGINT  NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    version      BIGINT  NOT NULL,
    practice_id  BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    wrapped      BYTEA    NOT NULL,
    PRIMARY KEY (client_id, version)
);

-- A journal entry is a chain of versions: an edit adds a version, nothing is overwritten.
CREATE TABLE journal_entries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id      BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    client_id        BIGINT  NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    current_version  BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX journal_entries_by_client ON journal_entries (practice_id, client_id);

CREATE TABLE journal_versions (
    entry_id     BIGINT  NOT NULL REFERENCES journal_entries (id) ON DELETE CASCADE,
    version      BIGINT  NOT NULL,
    -- The entry's date (YYYY-MM-DD), as the practitioner gave it.
    entry_date   TEXT    NOT NULL,
    -- Title and text, sealed with the client's data key.
    title        BYTEA    NOT NULL,
    body         BYTEA    NOT NULL,
    author_id    BIGINT,
    author_name  TEXT    NOT NULL,
    written_at   BIGINT  NOT NULL,
    PRIMARY KEY (entry_id, version)
);

-- What happened to a practice's client data: who, when, which client. Never the content.
CREATE TABLE practice_audit (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id  BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    at           BIGINT  NOT NULL,
    actor_id     BIGINT,
    actor_name   TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    client_id    BIGINT,
    record_id    BIGINT
);
CREATE INDEX practice_audit_by_client ON practice_audit (practice_id, client_id, at);

-- The client's notes move into `notes_sealed` (sealed with the client's data key) at start-up.
ALTER TABLE clients ADD COLUMN notes_sealed BYTEA;

ALTER TABLE practices ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE practices ADD COLUMN org_number TEXT NOT NULL DEFAULT '';
