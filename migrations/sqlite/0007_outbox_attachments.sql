-- The development outbox lists a mail's attachments by name and size (one per line); their
-- contents go only to a real SMTP server.
ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
