-- When an appointment was cancelled: for a short while the practitioner can undo it.
ALTER TABLE appointments ADD COLUMN cancelled_at BIGINT;
