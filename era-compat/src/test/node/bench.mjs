// Round trip of an execute of `true` through RunLoop's TypeScript SDK (unchanged; RUNLOOP_BASE_URL
// and RUNLOOP_API_KEY point it at an ERA daemon), beside the same command through ERA's own API.
// Usage: node bench.mjs [iterations] [warmup]
// Prints one line per measured call path with p50, p90, p99, max and mean in milliseconds.
import { RunloopSDK } from '@runloop/api-client';

const iterations = Number(process.argv[2] ?? 500);
const warmup = Number(process.argv[3] ?? 100);
const sdk = new RunloopSDK();
const api = sdk.api;

function stats(name, samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const f = (x) => x.toFixed(2);
  console.log(`${name.padEnd(34)} n=${s.length} p50=${f(at(0.5))} p90=${f(at(0.9))} p99=${f(at(0.99))} `
    + `max=${f(s[s.length - 1])} mean=${f(mean)} ms`);
}

async function measure(name, call) {
  for (let i = 0; i < warmup; i++) await call();
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    const r = await call();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r !== undefined && r.exit_status !== 0) throw new Error(`${name}: ${JSON.stringify(r)}`);
  }
  stats(name, samples);
}

const devbox = await sdk.devbox.create({ name: 'bench' });
try {
  await measure('devboxes.execute (optimistic)', () => api.devboxes.execute(devbox.id, { command: 'true' }));
  await measure('devboxes.executeSync', () => api.devboxes.executeSync(devbox.id, { command: 'true' }));
  await measure('devbox.cmd.exec (SDK object)', async () => (await devbox.cmd.exec('true')).result);
  await measure('devboxes.retrieve (no exec)', async () => { await api.devboxes.retrieve(devbox.id); });
  // the same sandbox through ERA's own API (fetch, HTTP/1.1), to tell the engine's share from the SDK's
  const native = (command) => async () => {
    const r = await fetch(`${process.env.RUNLOOP_BASE_URL}/sandboxes/${devbox.id}/exec`, {
      method: 'POST', body: JSON.stringify({ command }),
      headers: { Authorization: `Bearer ${process.env.RUNLOOP_API_KEY}`, 'Content-Type': 'application/json' },
    });
    const e = await r.json();
    return { exit_status: e.exitCode };
  };
  await measure('ERA /sandboxes/{id}/exec "true"', native('true'));
  await measure('ERA /sandboxes/{id}/exec ["true"]', native(['true']));
} finally {
  await devbox.shutdown();
}
