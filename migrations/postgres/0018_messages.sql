-- Secure messages between a practitioner and a client (issue 17). Bodies, file names and file
-- contents are sealed with the client's data key; the rows go with the client (ON DELETE
-- CASCADE), and the deleted key shreds any copy left elsewhere.

-- One conversation per client. `second_factor` is how a client's device proves itself after the
-- link: 'email' (a mailed code) or 'birth_date'.
CREATE TABLE conversations (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id       BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    client_id         BIGINT  NOT NULL UNIQUE REFERENCES clients (id) ON DELETE CASCADE,
    closed_at         BIGINT,
    second_factor     TEXT    NOT NULL DEFAULT 'email' CHECK (second_factor IN ('email', 'birth_date')),
    last_activity_at  BIGINT  NOT NULL
);
CREATE INDEX conversations_by_practice ON conversations (practice_id, last_activity_at);

-- A message. A row with `sent_at` NULL is one being uploaded: its files are still arriving, and
-- nobody sees it. `read_at`: when the other party first saw it.
CREATE TABLE messages (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id  BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    author           TEXT    NOT NULL CHECK (author IN ('practitioner', 'client')),
    author_id        BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    body_sealed      BYTEA,
    created_at       BIGINT  NOT NULL,
    sent_at          BIGINT,
    read_at          BIGINT
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- A file of a message: its name sealed, its content in sealed chunks of at most 256 KiB.
CREATE TABLE message_files (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    BIGINT  NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    name_sealed   BYTEA   NOT NULL,
    content_type  TEXT    NOT NULL,
    size          BIGINT  NOT NULL DEFAULT 0,
    chunks        BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX message_files_by_message ON message_files (message_id);

CREATE TABLE message_file_chunks (
    file_id  BIGINT  NOT NULL REFERENCES message_files (id) ON DELETE CASCADE,
    seq      BIGINT  NOT NULL,
    sealed   BYTEA   NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- A link mailed to the client: only its token's hash is kept. It dies when revoked, or 30 days
-- after its last use.
CREATE TABLE message_links (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id  BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    token_hash       BYTEA   NOT NULL UNIQUE,
    created_at       BIGINT  NOT NULL,
    last_used_at     BIGINT  NOT NULL,
    revoked_at       BIGINT
);
CREATE INDEX message_links_by_conversation ON message_links (conversation_id);

-- One-time codes mailed for a link, as MACs keyed with the link's token.
CREATE TABLE message_codes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id     BIGINT  NOT NULL REFERENCES message_links (id) ON DELETE CASCADE,
    code_hash   BYTEA   NOT NULL,
    sent_at     BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    tries       BIGINT  NOT NULL DEFAULT 0,
    used_at     BIGINT
);
CREATE INDEX message_codes_by_link ON message_codes (link_id, id);

-- A verified device's session: it reaches one conversation, through the link it was opened by.
CREATE TABLE message_sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id       BIGINT  NOT NULL REFERENCES message_links (id) ON DELETE CASCADE,
    token_hash    BYTEA   NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL
);
