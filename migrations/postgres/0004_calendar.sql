-- Clients, services, opening hours and appointments; the practice's public booking page.

-- The booking page's address (`/book/<slug>`) and the practice's time zone (IANA name).
ALTER TABLE practices ADD COLUMN booking_slug TEXT;
ALTER TABLE practices ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Oslo';
CREATE UNIQUE INDEX practices_by_booking_slug ON practices (booking_slug);

CREATE TABLE clients (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id  BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    email        TEXT    NOT NULL DEFAULT '',
    phone        TEXT    NOT NULL DEFAULT '',
    birth_date   TEXT    NOT NULL DEFAULT '',
    address      TEXT    NOT NULL DEFAULT '',
    notes        TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX clients_by_practice ON clients (practice_id, name);

CREATE TABLE services (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id       BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    duration_minutes  BIGINT  NOT NULL,
    -- In øre (1/100 NOK); NULL when no price is shown.
    price_ore         BIGINT,
    created_at        BIGINT  NOT NULL
);
CREATE INDEX services_by_practice ON services (practice_id);

-- One opening interval per weekday (0 = Monday), in minutes after local midnight.
CREATE TABLE opening_hours (
    practice_id   BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    weekday       BIGINT  NOT NULL,
    opens_minute  BIGINT  NOT NULL,
    closes_minute BIGINT  NOT NULL,
    PRIMARY KEY (practice_id, weekday)
);

CREATE TABLE appointments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id  BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    client_id    BIGINT  NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    service_id   BIGINT  REFERENCES services (id) ON DELETE SET NULL,
    -- UTC Unix seconds.
    starts_at    BIGINT  NOT NULL,
    ends_at      BIGINT  NOT NULL,
    notes        TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'booked',
    source       TEXT    NOT NULL DEFAULT 'practitioner',
    -- For online bookings: the booker's IP address and User-Agent, sealed; never shown in the UI.
    booker_ip    BYTEA,
    booker_agent BYTEA,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX appointments_by_time ON appointments (practice_id, starts_at);

-- Hide client data in the calendar after this many idle minutes; 0 = never by itself.
ALTER TABLE users ADD COLUMN hide_after_idle_minutes BIGINT NOT NULL DEFAULT 0;
