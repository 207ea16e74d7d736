-- A colour per service, one of the calendar's fixed palette (see services::types::COLOURS).
-- Existing services are spread over the palette so that neighbours differ.
ALTER TABLE services ADD COLUMN colour TEXT NOT NULL DEFAULT 'teal';
UPDATE services SET colour = CASE id % 8
    WHEN 0 THEN 'teal' WHEN 1 THEN 'blue' WHEN 2 THEN 'violet' WHEN 3 THEN 'rose'
    WHEN 4 THEN 'amber' WHEN 5 THEN 'green' WHEN 6 THEN 'slate' ELSE 'coral' END;
