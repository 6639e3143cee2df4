-- Schema version 2: sandboxes and snapshots of their workspaces (as db/sqlite/V002__sandboxes.sql).
-- A sandbox's lifecycle lives in its deployment (d-X for sandbox sb-X); this row keeps what the
-- client asked for that the deployment's spec does not carry. Snapshot archives live in the
-- snapshot store (a directory or an S3 bucket); these rows only describe them.

CREATE TABLE sandboxes (
    id              TEXT             NOT NULL PRIMARY KEY,
    tenant          TEXT             NOT NULL,
    name            TEXT             NOT NULL,
    engine          TEXT             NOT NULL,
    image           TEXT             NOT NULL,
    cpu             DOUBLE PRECISION NOT NULL,
    memory_bytes    BIGINT           NOT NULL,
    pids            INTEGER          NOT NULL,
    network         TEXT             NOT NULL,
    env             JSONB            NOT NULL,
    labels          JSONB            NOT NULL,
    idle_timeout_ms BIGINT           NOT NULL,
    from_snapshot   TEXT             NOT NULL,
    pooled          BOOLEAN          NOT NULL,
    created_at      BIGINT           NOT NULL
);

-- Names are optional; the ones given are unique per tenant.
CREATE UNIQUE INDEX sandboxes_tenant_name ON sandboxes (tenant, name) WHERE name <> '';

CREATE TABLE snapshots (
    id         TEXT   NOT NULL PRIMARY KEY,
    tenant     TEXT   NOT NULL,
    sandbox_id TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    size_bytes BIGINT NOT NULL,
    location   TEXT   NOT NULL,
    message    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
