-- Schema version 1 of ERA's embedded state store.
-- Times are epoch milliseconds (UTC). Text columns hold '' rather than NULL, because the Java
-- records they map to never carry null. STRICT makes SQLite reject a value of the wrong type
-- instead of silently storing it.

CREATE TABLE deployments (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    spec           TEXT    NOT NULL CHECK (json_valid(spec)),
    state          TEXT    NOT NULL,
    pending_action TEXT    NOT NULL DEFAULT '',
    handle_engine  TEXT    NOT NULL DEFAULT '',
    handle         BLOB    NOT NULL DEFAULT x'',
    pid            INTEGER NOT NULL DEFAULT 0,
    health         TEXT    NOT NULL,
    restarts       INTEGER NOT NULL DEFAULT 0,
    last_exit_code INTEGER NOT NULL DEFAULT -1,
    message        TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (tenant, name)
) STRICT;

CREATE TABLE deployment_versions (
    deployment_id TEXT    NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    spec          TEXT    NOT NULL CHECK (json_valid(spec)),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (deployment_id, version)
) STRICT, WITHOUT ROWID;

-- AUTOINCREMENT (not a plain rowid alias) so that a sequence number is never handed out twice,
-- even after the newest events are deleted: followers use seq as their cursor.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    tenant     TEXT    NOT NULL,
    deployment TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    details    TEXT    NOT NULL CHECK (json_valid(details))
) STRICT;

CREATE TABLE api_keys (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant     TEXT    NOT NULL,
    sha256     TEXT    NOT NULL UNIQUE,
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
