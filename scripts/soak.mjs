// `npm run soak`: the long variants of the reliability tests (SMQ_SOAK=1 tests/reliability/),
// then, with --fuzz-minutes N, each cargo-fuzz target for N minutes, then one summary table.
// Bounded in time: every step has a deadline and is stopped when it passes.
//
//   npm run soak                          the long test variants (about 5 minutes)
//   npm run soak -- --fuzz-minutes 30     and each fuzz target for 30 minutes

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'test-results', 'reliability-soak.json');
const FUZZ_TARGETS = ['decode', 'session'];

const { values } = parseArgs({
  options: {
    'fuzz-minutes': { type: 'string', default: '0' },
    'test-minutes': { type: 'string', default: '30' },
  },
});
const fuzzMinutes = Number(values['fuzz-minutes']);
const testMinutes = Number(values['test-minutes']);

const summary = [];
fs.rmSync(RESULTS, { force: true });

console.log(`==> Reliability tests, long variants (at most ${testMinutes} min)`);
const tests = await run(
  'node',
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...fs.readdirSync(path.join(ROOT, 'tests/reliability')).filter((f) => f.endsWith('.test.mjs')).map((f) => `tests/reliability/${f}`)],
  { env: { ...process.env, SMQ_SOAK: '1' }, minutes: testMinutes },
);
summary.push(['reliability tests (soak)', tests.code === 0 ? 'passed' : `FAILED (${tests.why})`, '']);

for (const target of fuzzMinutes > 0 ? FUZZ_TARGETS : []) {
  console.log(`\n==> Fuzzing ${target} for ${fuzzMinutes} min (cargo fuzz, no sanitizer, one job)`);
  const seconds = Math.round(fuzzMinutes * 60);
  const fuzz = await run(
    'cargo',
    ['fuzz', 'run', '--sanitizer', 'none', target, '--', `-max_total_time=${seconds}`, '-print_final_stats=1'],
    { cwd: path.join(ROOT, 'fuzz'), minutes: fuzzMinutes + 10, keep: true },
  );
  const runs = fuzz.output.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1];
  summary.push([`fuzz ${target}`, fuzz.code === 0 ? 'no crash' : `FAILED (${fuzz.why})`, runs ? `${Number(runs).toLocaleString('en')} runs in ${seconds} s` : '']);
}

console.log('\n==> Summary');
let figures = {};
try {
  figures = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
} catch {
  // no test recorded figures
}
const rows = [['step', 'result', 'figures'], ...summary, ...Object.entries(figures).map(([name, f]) => [name, '', JSON.stringify(f, (k, v) => (k === 'at' ? undefined : v))])];
const width = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
for (const [a, b, c] of rows) console.log(`${a.padEnd(width[0])}  ${b.padEnd(width[1])}  ${c}`);
console.log(`\n(figures also in ${path.relative(ROOT, RESULTS)}; commit ${gitHead()}, ${new Date().toISOString()})`);
process.exitCode = summary.every(([, result]) => result === 'passed' || result === 'no crash') ? 0 : 1;

function gitHead() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return head.status === 0 ? head.stdout.trim() : '?';
}

/** Runs a command with its output shown, stopped after `minutes`. */
function run(command, args, { env = process.env, cwd = ROOT, minutes, keep = false }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const show = (stream) => (chunk) => {
      stream.write(chunk);
      if (keep) output = (output + chunk).slice(-200000);
    };
    child.stdout.on('data', show(process.stdout));
    child.stderr.on('data', show(process.stderr));
    let why = null;
    const timer = setTimeout(() => {
      why = `stopped after ${minutes} min`;
      child.kill('SIGTERM');
    }, minutes * 60000);
    child.on('error', (error) => {
      why = error.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: why ? 1 : code, why: why ?? `exit ${code}`, output });
    });
  });
}
