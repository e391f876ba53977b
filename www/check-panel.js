// The demo console's "Check this broker" button: runs the broker check — the same battery
// `npx scratch-mqtt check` runs headless (dist/check/battery.js) — in the visitor's own browser,
// against the connection form's URL and credentials, and lists each row as it is decided, with
// the same words (dist/check/sentences.js). A teacher without Node can run it from the hosted site.

// Beside the page, like the library (app.js LIBRARY_URL): relative, so the page works from any path.
const BATTERY_URL = './dist/check/battery.js';
const SENTENCES_URL = './dist/check/sentences.js';
const SUMMARY_URL = './dist/check/summary.js';

/**
 * Wires the button. `settings()` gives `{ url, username, password }` from the form, `language()`
 * the page's language ('en' or 'zh-CN'), `t(key)` the page's own strings. Returns `render()`,
 * which app.js calls when the language changes, and `running`.
 */
export function setupCheckPanel({ settings, language, t }) {
  const $ = (id) => document.getElementById(id);
  let words = null;
  let rows = [];
  let running = false;
  let finished = null;

  async function run() {
    if (running) return;
    const { url, username, password } = settings();
    if (!url) {
      $('check-panel').hidden = false;
      $('check-summary').textContent = t('err.url.empty');
      return;
    }
    running = true;
    rows = [];
    finished = null;
    $('check').disabled = true;
    $('check-panel').hidden = false;
    render();
    try {
      const [battery, sentences, summary] = await Promise.all([import(BATTERY_URL), import(SENTENCES_URL), import(SUMMARY_URL)]);
      words = { ...sentences, ...summary };
      const result = await battery.runBattery({
        url,
        username,
        password,
        onRow: (row) => {
          rows = [...rows.filter((r) => r.id !== row.id), row];
          render();
        },
      });
      rows = result.rows;
      finished = { ms: result.ms };
    } catch (error) {
      finished = { ms: 0, error: error?.message ?? String(error) };
    } finally {
      running = false;
      $('check').disabled = false;
      render();
    }
  }

  function render() {
    const panel = $('check-panel');
    panel.dataset.state = running ? 'running' : finished ? 'done' : 'idle';
    $('check').textContent = t(running ? 'check.running' : 'check.run');
    if (!words) {
      $('check-summary').textContent = running ? t('check.running') : '';
      return;
    }
    const lang = language().toLowerCase();
    const list = $('check-rows');
    const order = words.ROW_IDS;
    list.replaceChildren(
      ...[...rows]
        .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
        .map((row) => {
          const item = document.createElement('li');
          item.dataset.row = row.id;
          item.dataset.status = row.status;
          const mark = document.createElement('span');
          mark.className = 'check-mark';
          mark.textContent = words.MARKS[row.status];
          const title = document.createElement('span');
          title.className = 'check-title';
          title.textContent = words.say(lang, `title.${row.id}`);
          const text = document.createElement('span');
          text.className = 'check-text';
          text.textContent = words.rowText(lang, row);
          item.append(mark, title, text);
          return item;
        }),
    );
    const summary = $('check-summary');
    if (running || !finished) summary.textContent = t('check.running');
    else if (finished.error) summary.textContent = words.say(lang, 'fail.internal', { message: finished.error });
    else {
      const counts = words.summarize(rows);
      summary.textContent = `${words.say(lang, 'summary', { ...counts, seconds: (finished.ms / 1000).toFixed(1) })} — ${words.say(lang, counts.ok ? 'summary.ok' : 'summary.bad')}`;
      summary.dataset.ok = String(counts.ok);
    }
  }

  $('check').addEventListener('click', run);
  return {
    render,
    get running() {
      return running;
    },
  };
}
