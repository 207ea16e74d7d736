-- The plaintext client columns go, once start-up has sealed every row into the columns of 0016.
DROP INDEX clients_by_practice;
ALTER TABLE clients DROP COLUMN name;
ALTER TABLE clients DROP COLUMN email;
ALTER TABLE clients DROP COLUMN phone;
ALTER TABLE clients DROP COLUMN birth_date;
ALTER TABLE clients DROP COLUMN address;
ALTER TABLE clients DROP COLUMN notes;
ALTER TABLE appointments DROP COLUMN notes;
CREATE INDEX clients_by_practice ON clients (practice_id, revision);
