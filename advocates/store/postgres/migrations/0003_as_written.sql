-- Documents and plans read back as they were written. A plan's request and totals, and a run's
-- report, as json: it keeps their text, keys in order (the order reasons and incentives are
-- shown in), where jsonb reorders keys. Plans numbered as they were saved, so that two saved
-- in the same second are listed in that order (SQLite's rowid does it there).
ALTER TABLE runs ALTER COLUMN report TYPE json USING report::json;
ALTER TABLE plans ALTER COLUMN request TYPE json USING request::json;
ALTER TABLE plans ALTER COLUMN totals TYPE json USING totals::json;
ALTER TABLE plans ADD COLUMN seq bigserial;
