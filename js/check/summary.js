// How a run of the broker check went, in numbers: the same for the command line's exit status and
// table and for the demo console's panel.

/** Counts of passed, failed and not-run rows; `ok` only when something passed and nothing failed. */
export function summarize(rows) {
  const count = (status) => rows.filter((row) => row.status === status).length;
  const summary = { passed: count('pass'), failed: count('fail'), skipped: count('skip') };
  return { ...summary, ok: summary.failed === 0 && summary.passed > 0 };
}

/** The mark a row is shown with. */
export const MARKS = { pass: '✔', fail: '✘', skip: '–' };
