// `scratch-mqtt check <url>`: reads the command line, runs the battery in a headless browser
// (browser.mjs) beside a Node probe of the same URL (probe.mjs), puts the probe's explanations
// into the rows (explain.mjs) and prints/writes the reports (report.mjs).
//
// Exit status: 0 every row asked for passed · 1 a row failed · 2 bad command line · 3 the check
// could not run (no browser, library not built, no result in time).

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LANGUAGES, pickLanguage, ROW_IDS, say, SKIPPABLE_ROW_IDS } from '../../dist/check/sentences.js';
import { MARKS } from '../../dist/check/summary.js';
import { runInBrowser, SetupError } from './browser.mjs';
import { explainRows } from './explain.mjs';
import { probeBroker } from './probe.mjs';
import { renderJson, renderJunit, renderTable, summarize } from './report.mjs';

export const USAGE = `Usage: scratch-mqtt check <ws://…|wss://… broker URL> [options]

Checks, from a headless browser on this machine, that a broker works for Scratch and web pages.

Options:
  --user U, --password P     credentials (CodeLab: --user guest --password test)
  --browser NAME             chromium (default), firefox or webkit: the one installed on this
                             machine (Firefox and WebKitGTK through their WebDriver servers);
                             nothing is ever downloaded
  --lang en|zh-cn            language of the report (default: from the locale)
  --json FILE                also write the results as JSON
  --junit FILE               also write the results as JUnit XML (for CI)
  --prefix TOPIC             test topics go under TOPIC/<random id>/ (default scratch-mqtt-check)
  --skip ROW[,ROW…]          rows not to run: ${SKIPPABLE_ROW_IDS.join(', ')}
  --timeout SECONDS          give up after this long (default 120)
  -h, --help                 this text

Exit status: 0 all passed, 1 something failed, 2 bad command line, 3 the check could not run.`;

export const BROWSERS = ['chromium', 'firefox', 'webkit'];

/** A command-line mistake: one line on stderr, exit status 2. */
class UsageError extends Error {}

/** The options of `check`, validated; throws UsageError with a one-line reason. */
export function parseCheckArgs(argv, env = process.env) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        user: { type: 'string' },
        password: { type: 'string' },
        browser: { type: 'string', default: 'chromium' },
        lang: { type: 'string' },
        json: { type: 'string' },
        junit: { type: 'string' },
        prefix: { type: 'string', default: 'scratch-mqtt-check' },
        skip: { type: 'string', default: '' },
        timeout: { type: 'string', default: '120' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // Node's own messages name the option; drop its hint about `--` that does not apply here.
    const reason = error.message.replace(/\. To specify a positional argument.*$/s, '').replace(/'/g, '');
    throw new UsageError(reason.charAt(0).toLowerCase() + reason.slice(1));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length === 0) throw new UsageError('which broker? give its URL, e.g. wss://mqtt.longan.link:8084/mqtt');
  if (positionals.length > 1) throw new UsageError(`one broker URL at a time (got ${positionals.join(' ')})`);
  const [given] = positionals;
  let address;
  try {
    address = new URL(given);
  } catch {
    throw new UsageError(`${given} is not a URL: write it as ws://host:port/path or wss://host:port/path`);
  }
  if (address.protocol !== 'ws:' && address.protocol !== 'wss:') {
    const hint = /^(mqtts?|tcp|ssl):$/.test(address.protocol) ? ' (browsers only speak MQTT over WebSocket)' : '';
    throw new UsageError(`${given} is not a WebSocket URL${hint}: write it as ws://host:port/path or wss://host:port/path`);
  }
  // Credentials in the URL (wss://guest:test@host/…) count as given, and leave the URL.
  let username = values.user ?? decodeURIComponent(address.username);
  let password = values.password ?? decodeURIComponent(address.password);
  address.username = '';
  address.password = '';
  if (values.password !== undefined && !username) throw new UsageError('--password needs --user too');
  if (!BROWSERS.includes(values.browser)) {
    throw new UsageError(`--browser ${values.browser}: choose one of ${BROWSERS.join(', ')}`);
  }
  if (values.lang !== undefined && !LANGUAGES.includes(values.lang.toLowerCase())) {
    throw new UsageError(`--lang ${values.lang}: choose one of ${LANGUAGES.join(', ')}`);
  }
  const skip = values.skip.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = skip.filter((id) => !SKIPPABLE_ROW_IDS.includes(id));
  if (unknown.length) throw new UsageError(`--skip ${unknown.join(',')}: rows you can skip are ${SKIPPABLE_ROW_IDS.join(', ')}`);
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout ${values.timeout}: give a number of seconds`);
  if (!/^[^#+\0]+$/.test(values.prefix)) throw new UsageError(`--prefix ${values.prefix}: a topic prefix cannot hold # or +`);
  const lang = values.lang ? values.lang.toLowerCase() : pickLanguage(env.LC_ALL || env.LC_MESSAGES || env.LANG || '');
  for (const [flag, file] of [['--json', values.json], ['--junit', values.junit]]) {
    if (file !== undefined && (file === '' || !fs.existsSync(path.dirname(path.resolve(file))))) {
      throw new UsageError(`${flag} ${file}: its folder does not exist`);
    }
  }
  return {
    url: address.href,
    username,
    password,
    browser: values.browser,
    lang,
    json: values.json,
    junit: values.junit,
    prefix: values.prefix,
    skip,
    timeoutMs: timeout * 1000,
  };
}

/** Runs `scratch-mqtt check …`; resolves with the exit status. */
export async function check(argv, { stdout = process.stdout, stderr = process.stderr, env = process.env } = {}) {
  let options;
  try {
    options = parseCheckArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`scratch-mqtt check: ${error.message} (scratch-mqtt check --help lists the options)\n`);
    return 2;
  }
  if (options.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const started = Date.now();
  // --timeout stops the browser too, so the command ends then instead of when the battery does.
  const abort = new AbortController();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new SetupError(`no result within ${options.timeoutMs / 1000} s (--timeout)`));
    }, options.timeoutMs);
  });
  const battery = {
    url: options.url,
    username: options.username,
    password: options.password,
    prefix: options.prefix,
    skip: options.skip,
  };
  const progress = progressLine(stderr, options.lang);
  const running = Promise.all([
    runInBrowser(options.browser, battery, { timeoutMs: options.timeoutMs, signal: abort.signal, onRow: progress.row }),
    probeBroker(options.url).catch(() => null),
  ]);
  let result;
  let probe;
  try {
    [result, probe] = await Promise.race([running, timeout]);
  } catch (error) {
    // Let the browser and the static server close (bounded) before saying so.
    await Promise.race([running.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    stderr.write(`scratch-mqtt check: ${error instanceof SetupError ? error.message : `the check could not run: ${error.message.split('\n')[0]}`}\n`);
    return 3;
  } finally {
    clearTimeout(timer);
    progress.clear();
  }
  const report = {
    version: packageVersion(),
    url: options.url,
    username: options.username,
    browser: result.browser,
    mqttVersion: result.version,
    topicBase: result.base,
    startedAt,
    ms: Date.now() - started,
    rows: explainRows(result.rows, probe, options.url),
  };
  stdout.write(`${renderTable(report, options.lang).join('\n')}\n`);
  if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(renderJson(report, options.lang), null, 2)}\n`);
  if (options.junit) fs.writeFileSync(options.junit, renderJunit(report, options.lang));
  return summarize(report.rows).ok ? 0 : 1;
}

/**
 * On a terminal, one line on stderr that follows the rows as the page decides them (a run takes
 * seconds); nothing when stderr is a file or a pipe, so logs and CI output stay clean.
 */
function progressLine(stream, lang) {
  if (!stream.isTTY) return { row() {}, clear() {} };
  let done = 0;
  return {
    row(row) {
      done++;
      stream.write(`\r\x1b[K  ${MARKS[row.status]} ${done}/${ROW_IDS.length} ${say(lang, `title.${row.id}`)}`);
    },
    clear() {
      if (done) stream.write('\r\x1b[K');
    },
  };
}

function packageVersion() {
  try {
    return JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return null;
  }
}
