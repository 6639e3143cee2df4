// The Node.js side of WasmVsNode: runs one WASI module on V8 through node:wasi, the same way ERA's
// wasm engine runs it (module compiled once, then instantiate + _start per run, a preopened
// directory, output to a file), and prints each run's time.
// usage: node node-wasi.mjs <module.wasm> <host dir for /w> <log file> <warmup> <runs> <argv...>
import { WASI } from 'node:wasi';
import { readFileSync, openSync } from 'node:fs';

const [modulePath, dir, logFile, warmup, runs, ...argv] = process.argv.slice(2);
const module = await WebAssembly.compile(readFileSync(modulePath));
// one descriptor for every run, never closed: closing it after a run crashed Node 20 (SIGSEGV) in a
// later run, as if a collected WASI instance closed a descriptor number reused since
const out = openSync(logFile, 'a');

async function runOnce() {
  const t0 = process.hrtime.bigint();
  const wasi = new WASI({ version: 'preview1', args: argv, env: {}, preopens: { '/w': dir },
                          stdout: out, stderr: out, returnOnExit: true });
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const code = wasi.start(instance);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { code, ms };
}

for (let i = 0; i < Number(warmup); i++) {
  await runOnce();
}
const results = [];
for (let i = 0; i < Number(runs); i++) {
  results.push(await runOnce());
}
console.log(JSON.stringify({ node: process.version, v8: process.versions.v8,
  exitCodes: results.map(r => r.code), ms: results.map(r => r.ms) }));
