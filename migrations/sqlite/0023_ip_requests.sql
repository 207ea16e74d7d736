-- Requests for the IP address of an online booking (issue 20, "Be om IP-adresse fra en booking").
-- The practice asks with the client's name or ID, the booking and the reason; support records the
-- decision made with the data protection authority; only an approved request releases the
-- address, once. The client reference, the reason and support's note are sealed with the client's
-- key (deleting the client's keys makes them unreadable, and the request goes with the client).
CREATE TABLE ip_requests (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id          INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    client_id            INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    appointment_id       INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    requested_by         TEXT    NOT NULL,
    -- The booking as the request names it: the appointment's start and when it was booked.
    booking_starts_at    BIGINT  NOT NULL,
    booked_at            BIGINT  NOT NULL,
    client_reference     BLOB    NOT NULL,
    reason               BLOB    NOT NULL,
    -- sent, review, approved, refused, released, expired
    status               TEXT    NOT NULL DEFAULT 'sent',
    created_at           BIGINT  NOT NULL,
    -- An undecided request, or an approved one not yet released, expires at this time.
    expires_at           BIGINT  NOT NULL,
    decided_at           BIGINT,
    decided_by           TEXT,
    authority_reference  TEXT,
    -- YYYY-MM-DD, the authority's decision.
    authority_date       TEXT,
    decision_note        BLOB,
    released_at          BIGINT,
    released_by          TEXT
);
-- A booking is asked about once at a time.
CREATE UNIQUE INDEX ip_requests_one_open_per_booking ON ip_requests (appointment_id)
    WHERE status IN ('sent', 'review', 'approved');
CREATE INDEX ip_requests_by_practice ON ip_requests (practice_id, created_at);
CREATE INDEX ip_requests_by_status ON ip_requests (status, created_at);
