-- Everything that names a client moves under the client's data key. The sealed columns are
-- filled at start-up from the plaintext ones (in batches, resumable), which 0017 then drops.

-- A client's name, e-mail, phone, birth date and address: one sealed JSON value.
ALTER TABLE clients ADD COLUMN profile_sealed BYTEA;
-- The practice's `client_revisions.revision` when this client last changed.
ALTER TABLE clients ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- The appointment's notes, sealed with its client's data key.
ALTER TABLE appointments ADD COLUMN notes_sealed BYTEA;

-- How each practice's client list has changed: `revision` grows with every change of a client,
-- `deletions` with every deletion. A server keeps the list opened in memory and reads again
-- only the clients that changed since (all of them after a deletion).
CREATE TABLE client_revisions (
    practice_id  BIGINT PRIMARY KEY REFERENCES practices (id) ON DELETE CASCADE,
    revision     BIGINT NOT NULL,
    deletions    BIGINT NOT NULL
);

-- A mail to a client is kept in the development outbox sealed with the client's data key
-- (recipient, subject, body and attachment names as one JSON value), and goes with the client.
ALTER TABLE outbox ADD COLUMN practice_id BIGINT;
ALTER TABLE outbox ADD COLUMN client_id BIGINT REFERENCES clients (id) ON DELETE CASCADE;
ALTER TABLE outbox ADD COLUMN sealed BYTEA;
