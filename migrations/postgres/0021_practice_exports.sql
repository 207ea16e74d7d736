-- The whole practice's data as one archive (issue 19, GDPR art. 20), built in the background.
-- The archive is kept in the database in sealed pieces, so any server can hand it out: each
-- export has a random key of its own, stored only wrapped by the master key. The download link
-- (its hash here) works once, for 24 hours, for the practitioner who asked.
CREATE TABLE practice_exports (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id   BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'building', 'ready', 'taken', 'failed'
    status        TEXT    NOT NULL,
    clients_done  BIGINT  NOT NULL DEFAULT 0,
    clients_total BIGINT  NOT NULL DEFAULT 0,
    key_wrapped   BYTEA    NOT NULL,
    token_hash    BYTEA    UNIQUE,
    size          BIGINT  NOT NULL DEFAULT 0,
    pieces        BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    -- The builder writes here as it goes; a build silent for long has died with its server.
    touched_at    BIGINT  NOT NULL,
    expires_at    BIGINT
);
CREATE INDEX practice_exports_by_practice ON practice_exports (practice_id);

CREATE TABLE practice_export_pieces (
    export_id  BIGINT  NOT NULL REFERENCES practice_exports (id) ON DELETE CASCADE,
    seq        BIGINT  NOT NULL,
    sealed     BYTEA    NOT NULL,
    PRIMARY KEY (export_id, seq)
);
