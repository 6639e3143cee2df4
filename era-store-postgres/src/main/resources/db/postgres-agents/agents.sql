-- The agent runtime's tables (era-agents' AgentStore), beside the state store's in the same database.
-- Created if missing, as the Local backend's SQLite store does. Keys and ids use the "C" collation:
-- byte order of UTF-8, which is the code point order the AgentStore contract promises.

CREATE TABLE IF NOT EXISTS agent_state (
    type       TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    state      BYTEA  NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (type, id)
);

CREATE TABLE IF NOT EXISTS agent_kv (
    type  TEXT COLLATE "C" NOT NULL,
    id    TEXT COLLATE "C" NOT NULL,
    key   TEXT COLLATE "C" NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (type, id, key)
);

CREATE TABLE IF NOT EXISTS agent_alarm (
    type     TEXT COLLATE "C" NOT NULL,
    id       TEXT COLLATE "C" NOT NULL,
    name     TEXT COLLATE "C" NOT NULL,
    due_ms   BIGINT NOT NULL,
    schedule TEXT   NOT NULL,
    data     TEXT   NOT NULL,
    PRIMARY KEY (type, id, name)
);

CREATE INDEX IF NOT EXISTS agent_alarm_due ON agent_alarm (due_ms);

CREATE TABLE IF NOT EXISTS agent_outbox (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_type    TEXT   NOT NULL,
    to_id      TEXT   NOT NULL,
    from_type  TEXT   NOT NULL,
    from_id    TEXT   NOT NULL,
    data       BYTEA  NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS agent_dead_letter (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type      TEXT    NOT NULL,
    id        TEXT    NOT NULL,
    trigger   TEXT    NOT NULL,
    payload   BYTEA   NOT NULL,
    error     TEXT    NOT NULL,
    attempts  INTEGER NOT NULL,
    failed_ms BIGINT  NOT NULL
);

CREATE INDEX IF NOT EXISTS agent_dead_letter_agent ON agent_dead_letter (type, id, seq);
