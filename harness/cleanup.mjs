// Every server or child process a test starts registers its clean-up here, so it is stopped
// whatever happens: the test's own `after` hook, a failed assertion, an uncaught exception,
// process exit, or Ctrl-C / SIGTERM from the test runner.

import fs from 'node:fs';

const asyncCleanups = new Set();
const children = new Set();
const folders = new Set();
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  // 'exit' handlers must be synchronous: the only thing that still works there is a signal.
  process.on('exit', () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      runCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}

/** Registers an async clean-up; returns a function that unregisters it (call it once done). */
export function onCleanup(fn) {
  install();
  asyncCleanups.add(fn);
  return () => asyncCleanups.delete(fn);
}

/** Kills `child` when this process exits, however it exits. */
export function killOnExit(child) {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Removes the folder `dir` when this process exits, unless forgetFolder(dir) was called. */
export function removeOnExit(dir) {
  install();
  folders.add(dir);
}

export function forgetFolder(dir) {
  folders.delete(dir);
}

/** Runs every registered clean-up once, each bounded in time so one stuck server cannot hang exit. */
export async function runCleanups(timeoutMs = 5000) {
  const pending = [...asyncCleanups];
  asyncCleanups.clear();
  await Promise.allSettled(
    pending.map((fn) =>
      Promise.race([
        Promise.resolve().then(fn),
        new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]),
    ),
  );
  for (const child of children) child.kill('SIGKILL');
}
