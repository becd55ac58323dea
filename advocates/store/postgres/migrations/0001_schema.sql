-- The store's tables, as the SQLite store keeps them (advocates/store/sqlite), in PostgreSQL's
-- types: times as timestamptz, JSON documents as jsonb, files and model states as bytea. A run's
-- scores and side tables are created by the run that publishes them, not here.

-- One counter that moves on whenever an answer kept from the store may be stale.
CREATE TABLE store_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO store_version VALUES (1, 0);

-- Runs: one row per run, whatever its status.
CREATE TABLE runs (
    run_id text PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('writing', 'published', 'failed', 'abandoned')),
    as_of timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    published_at timestamptz,
    report jsonb
);
CREATE INDEX runs_published ON runs (published_at) WHERE status = 'published';

-- What the latest published run kept of each model for the next run.
CREATE TABLE model_states (
    name text PRIMARY KEY,
    run_id text NOT NULL,
    data bytea NOT NULL
);

-- A run's side tables as Parquet files; version moves on when a file is written again.
CREATE TABLE run_files (
    run_id text NOT NULL,
    name text NOT NULL,
    data bytea NOT NULL,
    version integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, name)
);

-- Campaign plans; each plan's assignments are a table of their own.
CREATE TABLE plans (
    plan_id text PRIMARY KEY,
    run_id text NOT NULL,
    created_at timestamptz NOT NULL,
    request jsonb NOT NULL,
    totals jsonb NOT NULL
);

-- API keys: the salted hash only; revoked keys kept, with the time.
CREATE TABLE api_keys (
    key_id text PRIMARY KEY,
    name text NOT NULL,
    scopes text NOT NULL,
    salt text NOT NULL,
    hash text NOT NULL,
    created_at timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- Outcome events (the event id makes a repeated event one), and the contact blocks derived
-- from consent events.
CREATE TABLE events (
    event_id text PRIMARY KEY,
    type text NOT NULL,
    customer_id text NOT NULL,
    occurred_at timestamptz NOT NULL,
    campaign_id text,
    incentive_id text,
    friend_customer_id text,
    order_id text,
    amount double precision,
    currency text,
    received_at timestamptz NOT NULL
);
CREATE INDEX events_customer ON events (customer_id);
CREATE TABLE contact_blocks (
    customer_id text PRIMARY KEY,
    reason text NOT NULL
);

-- Privacy: the store's secrets (meta: the suppression list's salt), erased customers (a salted hash of the
-- id, never the id), and the audit log.
CREATE TABLE meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE suppressed (
    id_hash text PRIMARY KEY,
    erased_at timestamptz NOT NULL
);
CREATE TABLE audit (
    at timestamptz NOT NULL,
    key_id text NOT NULL,
    action text NOT NULL,
    target text,
    customer_id text,
    rows integer
);
CREATE INDEX audit_at ON audit (at);
