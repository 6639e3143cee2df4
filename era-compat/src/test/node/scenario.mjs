// Drives RunLoop's official TypeScript SDK, unchanged, through a devbox's life. Nothing here knows
// about ERA: the SDK reads RUNLOOP_BASE_URL and RUNLOOP_API_KEY itself, so the same file runs
// against api.runloop.ai or an ERA daemon. Prints one line per step and "SCENARIO OK" at the end;
// any failure exits non-zero with the reason.
import { RunloopSDK, toFile } from '@runloop/api-client';
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';

const sdk = new RunloopSDK();
const api = sdk.api;
const started = Date.now();
const step = (name, detail = '') => console.log(`step ${name} ok ${Date.now() - started}ms ${detail}`);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const made = [];

async function main() {
  // create + awaitRunning (the low-level pair) and create (createAndAwaitRunning, the SDK object)
  const raw = await api.devboxes.create({ name: 'scenario raw', metadata: { purpose: 'sdk-scenario' } });
  made.push(raw.id);
  const running = await api.devboxes.awaitRunning(raw.id);
  assert.equal(running.status, 'running');
  assert.equal(running.metadata.purpose, 'sdk-scenario');
  const devbox = await sdk.devbox.create({ name: 'scenario', environment_variables: { GREETING: 'hello' } });
  made.push(devbox.id);
  assert.equal((await devbox.getInfo()).status, 'running');
  step('create-await-running', `${raw.id} ${devbox.id}`);

  // execute with streamed output: lines arrive while the command still runs
  const lines = [];
  const errs = [];
  let firstLineAt = 0;
  const streamed = await devbox.cmd.exec('for i in 1 2 3; do echo "$GREETING $i"; sleep 0.3; done; echo warn >&2', {
    stdout: (chunk) => { if (!firstLineAt) firstLineAt = Date.now(); lines.push(chunk); },
    stderr: (chunk) => errs.push(chunk),
  });
  const doneAt = Date.now();
  assert.equal(streamed.exitCode, 0);
  assert.equal(lines.join(''), 'hello 1\nhello 2\nhello 3\n');
  assert.equal(errs.join(''), 'warn\n');
  assert.equal(await streamed.stdout(), 'hello 1\nhello 2\nhello 3\n');
  assert.ok(doneAt - firstLineAt >= 400, `the first line came ${doneAt - firstLineAt} ms before the end: not live`);
  const sync = await api.devboxes.executeSync(devbox.id, { command: 'echo sync; exit 7' });
  assert.equal(sync.exit_status, 7);
  assert.equal(sync.stdout, 'sync\n');
  step('execute-streamed', `first line ${doneAt - firstLineAt} ms before the end`);

  // named shells keep their working directory and exported variables
  const shell = devbox.shell('work');
  await shell.exec('mkdir -p /tmp/w && cd /tmp/w && export COLOR=blue');
  const where = await shell.exec('pwd; echo $COLOR');
  assert.equal(await where.stdout(), '/tmp/w\nblue\n');
  step('named-shell');

  // async execute, then kill
  const slow = await devbox.cmd.execAsync('sleep 120');
  assert.equal((await slow.getState()).status, 'running');
  await slow.kill();
  const killed = await slow.result();
  assert.equal(killed.result.status, 'completed');
  assert.notEqual(killed.exitCode, 0);
  step('execute-async-kill', `exit ${killed.exitCode}`);

  // files: text write/read, binary upload/download of a few MB
  await devbox.file.write({ file_path: '/workspace/notes/hello.txt', contents: 'h\u00e9llo\n' });
  assert.equal(await devbox.file.read({ file_path: '/workspace/notes/hello.txt' }), 'h\u00e9llo\n');
  const blob = randomBytes(4 * 1024 * 1024);
  await devbox.file.upload({ path: '/workspace/data/blob.bin', file: await toFile(blob, 'blob.bin') });
  const downloaded = Buffer.from(await (await devbox.file.download({ path: '/workspace/data/blob.bin' })).arrayBuffer());
  assert.equal(downloaded.length, blob.length);
  assert.equal(sha256(downloaded), sha256(blob));
  const inside = await devbox.cmd.exec('sha256sum /workspace/data/blob.bin | cut -d" " -f1');
  assert.equal((await inside.stdout()).trim(), sha256(blob));
  step('files', `${blob.length} bytes up and down, sha256 ${sha256(blob).slice(0, 12)}`);

  // suspend and resume: the workspace is intact
  await devbox.suspend();
  const suspended = await devbox.awaitSuspended();
  assert.equal(suspended.status, 'suspended');
  await devbox.resume();
  assert.equal((await devbox.getInfo()).status, 'running');
  assert.equal(await devbox.file.read({ file_path: '/workspace/notes/hello.txt' }), 'h\u00e9llo\n');
  const afterResume = await devbox.cmd.exec('sha256sum /workspace/data/blob.bin | cut -d" " -f1');
  assert.equal((await afterResume.stdout()).trim(), sha256(blob));
  step('suspend-resume');

  // snapshot, and a new devbox from it
  const snapshot = await devbox.snapshotDisk({ name: 'scenario-snapshot' });
  const info = await snapshot.getInfo();
  assert.equal(info.status, 'complete');
  const listed = await api.devboxes.listDiskSnapshots({ devbox_id: devbox.id });
  assert.ok(listed.snapshots.some((s) => s.id === snapshot.id));
  const copy = await sdk.devbox.createFromSnapshot(snapshot.id, { name: 'scenario copy' });
  made.push(copy.id);
  assert.equal(await copy.file.read({ file_path: '/workspace/notes/hello.txt' }), 'h\u00e9llo\n');
  const copied = await copy.cmd.exec('sha256sum /workspace/data/blob.bin | cut -d" " -f1');
  assert.equal((await copied.stdout()).trim(), sha256(blob));
  step('snapshot-restore', `${snapshot.id} -> ${copy.id}`);

  // listing pages through the SDK's cursor; logs; keep-alive
  const ids = [];
  for await (const d of api.devboxes.list({ limit: 1 })) ids.push(d.id);
  for (const id of made) assert.ok(ids.includes(id), `${id} missing from the listing`);
  const logs = await devbox.logs();
  assert.ok(logs.logs.some((l) => (l.cmd ?? '').includes('sleep 120')));
  await devbox.keepAlive();
  step('list-logs-keepalive', `${ids.length} devboxes`);

  // what ERA does not offer says so, with the nearest ERA feature
  await assert.rejects(api.devboxes.enableTunnel(devbox.id), (e) => e.status === 400 && /tunnels/.test(e.message));
  await assert.rejects(api.blueprints.list(), (e) => e.status === 400 && /snapshot/.test(e.message));
  step('not-offered');

  // shutdown
  for (const id of made) {
    const down = await api.devboxes.shutdown(id);
    assert.equal(down.status, 'shutdown');
  }
  made.length = 0;
  await snapshot.delete();
  step('shutdown');
  console.log('SCENARIO OK');
}

main().catch(async (e) => {
  console.error('SCENARIO FAILED:', e?.stack ?? e);
  for (const id of made) {
    try { await api.devboxes.shutdown(id); } catch { /* best effort */ }
  }
  process.exitCode = 1;
});
