-- Consent declarations: templates with immutable versions, and requests that a client signs
-- through a link. A signed request points at the exact version it showed; its evidence is
-- sealed with the client's data key.

CREATE TABLE consent_templates (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id  BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX consent_templates_by_practice ON consent_templates (practice_id);

-- Editing a template adds a version; versions are never changed.
CREATE TABLE consent_template_versions (
    template_id  BIGINT  NOT NULL REFERENCES consent_templates (id) ON DELETE CASCADE,
    version      BIGINT  NOT NULL,
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE consent_requests (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id       BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    client_id         BIGINT  NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    template_id       BIGINT  NOT NULL REFERENCES consent_templates (id),
    template_version  BIGINT  NOT NULL,
    -- The link's token: only its SHA-256.
    token_hash        BYTEA    NOT NULL UNIQUE,
    -- sent, opened, signed, declined, withdrawn, revoked (expiry is read from expires_at).
    status            TEXT    NOT NULL,
    sent_at           BIGINT  NOT NULL,
    expires_at        BIGINT  NOT NULL,
    opened_at         BIGINT,
    decided_at        BIGINT,
    withdrawn_at      BIGINT,
    -- What the client did and from where (time, IP, User-Agent, the SHA-256 of the text shown,
    -- the typed name, the trail), sealed with the client's data key.
    evidence          BYTEA
);
CREATE INDEX consent_requests_by_client ON consent_requests (practice_id, client_id, sent_at);
