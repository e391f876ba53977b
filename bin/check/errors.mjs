// The one kind of failure the check reports as "could not run" (exit status 3) rather than as a
// broker's row: something on this machine to fix first (no browser, no build, no result in time).

export class SetupError extends Error {}
