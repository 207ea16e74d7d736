-- The language a declaration is written in (`nb` or `en`): its link page, the signed copy and
-- the mails to the client speak it, whatever the browser's language. Versions saved before it
-- was asked have none (NULL) and follow the browser, as before; the two default declarations
-- are known by their titles.
ALTER TABLE consent_template_versions ADD COLUMN lang TEXT;
UPDATE consent_template_versions SET lang = 'nb' WHERE title = 'Samtykke til behandling av helseopplysninger';
UPDATE consent_template_versions SET lang = 'en' WHERE title = 'Consent to the processing of health data';
