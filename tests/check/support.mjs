// Runs `scratch-mqtt check` as a user does, as a child process (bin/scratch-mqtt.mjs), and reads
// back its exit status, its table and its --json report.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROW_IDS, say } from '../../js/check/sentences.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'scratch-mqtt.mjs');
/** Far above a run's length (seconds); only a hang reaches it. */
const RUN_LIMIT_MS = 90000;

/**
 * `{ code, stdout, stderr, json, junit, rows }`: rows by id from the --json report, which is
 * always asked for (in a folder removed afterwards) unless `json: false`.
 */
export async function runCheck(args, { env = {}, json = true, junit = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-check-'));
  const jsonFile = path.join(dir, 'report.json');
  const junitFile = path.join(dir, 'report.xml');
  const all = ['check', ...args, ...(json ? ['--json', jsonFile] : []), ...(junit ? ['--junit', junitFile] : [])];
  try {
    const child = spawn(process.execPath, [BIN, ...all], {
      cwd: ROOT,
      // A known language unless the test sets one: the table's words are asserted.
      env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    const code = await new Promise((resolve) => child.on('close', (status, signal) => resolve(status ?? signal)));
    clearTimeout(timer);
    const report = fs.existsSync(jsonFile) ? JSON.parse(fs.readFileSync(jsonFile, 'utf8')) : null;
    return {
      code,
      stdout,
      stderr,
      json: report,
      junit: fs.existsSync(junitFile) ? fs.readFileSync(junitFile, 'utf8') : null,
      rows: Object.fromEntries((report?.rows ?? []).map((row) => [row.id, row])),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The statuses of the rows as `{ id: 'pass'|'fail'|'skip' }`, for one deepEqual. */
export function statuses(rows) {
  return Object.fromEntries(Object.values(rows).map((row) => [row.id, row.status]));
}

/** How the table shows a failed row: its ✘ line, then its sentence. */
export function failedLines(lang, id, sentenceKey, params) {
  return `  ✘ ${say(lang, `title.${id}`)}\n      ${say(lang, sentenceKey, params)}\n`;
}

/** Every row passes except the named ones, which have the given statuses. */
export function allPassBut(exceptions) {
  return Object.fromEntries(ROW_IDS.map((id) => [id, exceptions[id] ?? 'pass']));
}
