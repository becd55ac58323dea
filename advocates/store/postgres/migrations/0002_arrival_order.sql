-- Events and keys keep the order they arrived in (SQLite's rowid does it there): when two
-- consent events of a customer occurred at the same instant, the later to arrive decides, and
-- keys made in the same second are listed as they were made.
ALTER TABLE events ADD COLUMN seq bigserial;
CREATE INDEX events_customer_type ON events (customer_id, type);
ALTER TABLE api_keys ADD COLUMN seq bigserial;
