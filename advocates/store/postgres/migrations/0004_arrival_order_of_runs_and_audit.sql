-- Runs numbered as they were begun (SQLite's rowid does it there): two runs begun in the same
-- second are listed, served and pruned in that order.
ALTER TABLE runs ADD COLUMN seq bigserial;
-- The audit log read newest first, entries of the same instant in the order they were written.
ALTER TABLE audit ADD COLUMN seq bigserial;
