#!/usr/bin/env node
// `npm run build:site [-- --base-url https://you.github.io/scratch-mqtt/] [--out site] [--no-build]`:
// one static folder that any static host can serve from any path, with relative links only —
//   index.html …       the demo console (www/)
//   use.html           "Use it in CodeLab / TurboWarp", English and 中文, with the extension's address
//   dist/              the library (ES module + wasm, single files, types) and the Scratch extension
//   examples/          the example projects, on CodeLab's broker; with --base-url they carry the
//                      extension's address (TurboWarp's extensionURLs) so it loads with them
// The GitHub Pages workflow (.github/workflows/pages.yml) runs this on every push to main.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CODELAB, writeExamples } from './build-examples.mjs';
import { buildExtension } from './build-extension.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
/** What a page needs from dist/ (not the scratch-vm builtin or the ESM extension entry). */
const DIST_FILES = [
  'scratch-mqtt.js',
  'scratch_mqtt.js',
  'scratch_mqtt_bg.wasm',
  'scratch-mqtt.d.ts',
  'scratch_mqtt.d.ts',
  'scratch-mqtt.bundle.js',
  'scratch-mqtt.global.js',
  'scratch-mqtt-extension.js',
  'snippets',
  // The demo console's "Check this broker" button runs the broker check from here.
  'check',
];
const WWW_FILES = ['index.html', 'app.js', 'check-panel.js', 'i18n.js', 'style.css', 'use.html', 'use.js'];

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    out: { type: 'string', default: 'site' },
    'no-build': { type: 'boolean', default: false },
  },
});
const out = path.resolve(ROOT, values.out);
const baseUrl = values['base-url'] ? new URL(values['base-url'].replace(/\/?$/, '/')).href : null;

if (!values['no-build']) {
  console.log('==> Building dist/ (scripts/build.mjs)');
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
for (const file of DIST_FILES) {
  if (!fs.existsSync(path.join(DIST, file))) {
    console.error(`error: dist/${file} is missing: run npm run build (or drop --no-build)`);
    process.exit(1);
  }
}

console.log(`==> Writing ${path.relative(ROOT, out) || out}/${baseUrl ? ` for ${baseUrl}` : ' (no --base-url: examples without the extension address)'}`);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'dist'), { recursive: true });
for (const file of WWW_FILES) fs.copyFileSync(path.join(ROOT, 'www', file), path.join(out, file));
for (const file of DIST_FILES) fs.cpSync(path.join(DIST, file), path.join(out, 'dist', file), { recursive: true });
if (baseUrl) {
  // The extension again, with its help link (docsURI) to this site's "use it" page.
  await buildExtension({ outDir: path.join(out, 'dist'), docsURI: new URL('use.html', baseUrl).href });
  fs.rmSync(path.join(out, 'dist', 'scratch3_mqtt'), { recursive: true, force: true });
  fs.rmSync(path.join(out, 'dist', 'scratch-mqtt-extension.esm.js'), { force: true });
}
const examples = await writeExamples(path.join(out, 'examples'), {
  broker: CODELAB,
  extensionURL: baseUrl ? new URL('dist/scratch-mqtt-extension.js', baseUrl).href : null,
});
fs.writeFileSync(path.join(out, 'examples', 'index.html'), examplesPage(examples.map((f) => path.basename(f))));
// GitHub Pages would otherwise run Jekyll, which drops folders starting with an underscore.
fs.writeFileSync(path.join(out, '.nojekyll'), '');

let files = 0;
let bytes = 0;
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else {
      files++;
      bytes += fs.statSync(full).size;
    }
  }
};
walk(out);
console.log(`  ${files} files, ${(bytes / 1024).toFixed(0)} KB; serve the folder from any path`);

function examplesPage(names) {
  const items = names.map((name) => `<li><a href="${name}" download>${name}</a></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scratch MQTT — example projects · 示例作品</title>
<link rel="stylesheet" href="../style.css">
</head>
<body class="use-page">
<main class="use">
<h1>Example projects · 示例作品</h1>
<p>Add the extension first (<a href="../use.html">how</a>), then open a project with File → Load from your computer.
They talk through CodeLab's broker <code>${CODELAB}</code>.</p>
<p>先添加扩展（<a href="../use.html">步骤</a>），再用“文件 → 从电脑中上传”打开作品。作品通过 CodeLab 的服务器通信。</p>
<ul>
${items}
</ul>
</main>
</body>
</html>
`;
}
