// The check's three outputs: the table a person reads (✔/✘ and one sentence per failure), the
// JSON and the JUnit XML that CI keeps. All three are made from the same rows and the same
// sentences (dist/check/sentences.js), in the language asked for.

import { say, rowText } from '../../dist/check/sentences.js';
import { MARKS, summarize } from '../../dist/check/summary.js';

export { summarize };

/** The table, as lines of text. */
export function renderTable(report, lang) {
  const { rows } = report;
  const titles = rows.map((row) => say(lang, `title.${row.id}`));
  const width = Math.max(...titles.map(displayWidth)) + 2;
  const who = report.username ? say(lang, 'head.user', { user: report.username }) : say(lang, 'head.anonymous');
  const lines = [`${say(lang, 'head.check', { url: report.url, browser: report.browser })} · ${who}`, ''];
  rows.forEach((row, i) => {
    const title = titles[i] + ' '.repeat(width - displayWidth(titles[i]));
    const text = rowText(lang, row);
    if (row.status === 'fail') {
      lines.push(`  ${MARKS.fail} ${title.trimEnd()}`);
      lines.push(`      ${text}`);
      if (row.source === 'node') lines.push(`      ${say(lang, 'source.node')}`);
    } else {
      lines.push(`  ${MARKS[row.status]} ${title}${text}`);
      if (row.note) lines.push(`      ${say(lang, row.note.key, row.note.params)}`);
    }
  });
  const { passed, failed, skipped, ok } = summarize(rows);
  lines.push('', say(lang, 'summary', { passed, failed, skipped, seconds: (report.ms / 1000).toFixed(1) }));
  lines.push(say(lang, ok ? 'summary.ok' : 'summary.bad'));
  return lines;
}

/** The JSON report: every row with its words in `lang`, its sentence key and its raw data. */
export function renderJson(report, lang) {
  const summary = summarize(report.rows);
  return {
    tool: 'scratch-mqtt check',
    version: report.version,
    url: report.url,
    username: report.username || null,
    browser: report.browser,
    mqttVersion: report.mqttVersion,
    topicBase: report.topicBase,
    lang,
    startedAt: report.startedAt,
    ms: report.ms,
    ok: summary.ok,
    summary: { passed: summary.passed, failed: summary.failed, skipped: summary.skipped },
    rows: report.rows.map((row) => ({
      id: row.id,
      title: say(lang, `title.${row.id}`),
      status: row.status,
      text: rowText(lang, row),
      key: (row.status === 'pass' ? row.detail : row.sentence)?.key ?? null,
      source: row.source,
      ...(row.note ? { note: say(lang, row.note.key, row.note.params) } : {}),
      ...(row.ms === undefined ? {} : { ms: row.ms }),
      ...(row.data ? { data: row.data } : {}),
    })),
  };
}

/** JUnit XML: one test case per row; a failure carries its sentence, a skip its reason. */
export function renderJunit(report, lang) {
  const summary = summarize(report.rows);
  const cases = report.rows.map((row) => {
    const name = escapeXml(say(lang, `title.${row.id}`));
    const time = ((row.ms ?? 0) / 1000).toFixed(3);
    const text = escapeXml(rowText(lang, row));
    const open = `    <testcase classname="scratch-mqtt.check.${row.id}" name="${name}" time="${time}"`;
    if (row.status === 'fail') return `${open}>\n      <failure message="${text}" type="${escapeXml(row.sentence?.key ?? '')}"/>\n    </testcase>`;
    if (row.status === 'skip') return `${open}>\n      <skipped message="${text}"/>\n    </testcase>`;
    return `${open}>\n      <system-out>${text}</system-out>\n    </testcase>`;
  });
  const suite = escapeXml(`scratch-mqtt check ${report.url}`);
  const attributes = `tests="${report.rows.length}" failures="${summary.failed}" errors="0" skipped="${summary.skipped}" time="${(report.ms / 1000).toFixed(3)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" ${attributes}>`,
    `  <testsuite name="${suite}" ${attributes} timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

/** Columns a terminal gives `text`: wide (CJK, fullwidth) characters take two. */
export function displayWidth(text) {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0);
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6);
    width += wide ? 2 : 1;
  }
  return width;
}
