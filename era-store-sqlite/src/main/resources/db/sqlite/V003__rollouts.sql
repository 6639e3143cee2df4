-- Schema version 3: blue-green updates.
-- port: the port the serving version listens on ($PORT; the daemon forwards the spec's public port to it).
-- rollout_*: the version being brought up by an update or rollback in flight, with its work's
-- handle, so that a restart finds that work again (to cut over to it, or to stop it). Written
-- in the same row, in the same transaction, as the state: the row is the operation's journal.
ALTER TABLE deployments ADD COLUMN port INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN rollout_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN rollout_handle_engine TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN rollout_handle BLOB NOT NULL DEFAULT x'';
ALTER TABLE deployments ADD COLUMN rollout_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN rollout_port INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN rollout_reason TEXT NOT NULL DEFAULT '';
