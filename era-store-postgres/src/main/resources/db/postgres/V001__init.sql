-- Schema version 1 of ERA's state store, PostgreSQL dialect: the same tables, columns and rules as
-- era-store-sqlite's db/sqlite/V001__init.sql. Times are epoch milliseconds (UTC). Text columns
-- hold '' rather than NULL, because the Java records they map to never carry null.

CREATE TABLE deployments (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    spec           JSONB   NOT NULL,
    state          TEXT    NOT NULL,
    pending_action TEXT    NOT NULL DEFAULT '',
    handle_engine  TEXT    NOT NULL DEFAULT '',
    handle         BYTEA   NOT NULL DEFAULT ''::bytea,
    pid            BIGINT  NOT NULL DEFAULT 0,
    health         TEXT    NOT NULL,
    restarts       INTEGER NOT NULL DEFAULT 0,
    last_exit_code INTEGER NOT NULL DEFAULT -1,
    message        TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    -- SQLite's rowid: breaks ties of created_at in insertion order
    inserted       BIGINT  GENERATED ALWAYS AS IDENTITY,
    UNIQUE (tenant, name)
);

CREATE TABLE deployment_versions (
    deployment_id TEXT    NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    spec          JSONB   NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (deployment_id, version)
);

-- An identity is never handed out twice, even after the newest events are deleted: followers use
-- seq as their cursor. Writers serialize their event inserts (an advisory lock held to commit), so
-- seqs also become visible in order and a follower reading "seq > cursor" never skips one.
CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    tenant     TEXT   NOT NULL,
    deployment TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    type       TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    message    TEXT   NOT NULL,
    details    JSONB  NOT NULL
);

CREATE TABLE api_keys (
    id         TEXT   NOT NULL PRIMARY KEY,
    tenant     TEXT   NOT NULL,
    sha256     TEXT   NOT NULL UNIQUE,
    label      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
