#!/usr/bin/env node
// `npx scratch-mqtt <command>`: the package's command line. One command so far: `check`, which
// tests a broker from a headless browser (bin/check/cli.mjs).

const HELP = `Usage: scratch-mqtt check <broker URL> [options]   (scratch-mqtt check --help for the options)`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'check') {
  // Imported only now: it needs the built library (dist/), which --help and typos do not.
  let check;
  try {
    ({ check } = await import('./check/cli.mjs'));
  } catch (error) {
    const missing = error?.code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]check/.test(error.message);
    console.error(`scratch-mqtt check: ${missing ? 'the library is not built (dist/check/ is missing): run npm run build' : error.message}`);
    process.exit(3);
  }
  process.exitCode = await check(rest);
} else if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(HELP);
} else {
  console.error(`scratch-mqtt: unknown command ${command}\n${HELP}`);
  process.exitCode = 2;
}
