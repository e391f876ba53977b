// The Scratch editors the extension is tested in, as their users get them: the published npm
// tarballs, pinned by version and checksum. Only their built `dist/` folders are used — those run
// as they are in a page — so none of their (large) dependency trees is installed. Each is fetched
// once, through npm's own cache, into .cache/editors/.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(ROOT, '.cache', 'editors');
const run = promisify(execFile);

/** name → the npm package, its checksum, and the folder of the tarball that is kept. */
export const EDITORS = {
  // The official editor, built to run without a bundler (window.GUI).
  'scratch-gui': {
    spec: '@scratch/scratch-gui-standalone@15.1.1',
    integrity: 'sha512-PJu+9HlhtETpKeVvIAVA7GTcbemBcLrXEe35GP4dnET2/AKP9riAAUAd0aP5jsddIGA2PzHyHjWihHMe3Ix7vw==',
    keep: 'dist',
  },
  // The official VM's web build (window.VirtualMachine) and its extension worker.
  'scratch-vm-15': {
    spec: '@scratch/scratch-vm@15.1.1',
    integrity: 'sha512-exGIoSnbST/92BCHgQeo4Sc2EF4i1CMYfW2P9PvTMYk0L+L7yrzvVT70BwSwTfgZNmkTswBC08/Ox/e+zqf8cg==',
    keep: 'dist/web',
  },
  // TurboWarp's VM, as its packager ships it (window.Scaffolding, whose `vm` is TurboWarp's).
  turbowarp: {
    spec: '@turbowarp/packager@3.13.0',
    integrity: 'sha512-ZPQM+t/am8XNMzCaPLvgJqlZZOAJu9/dYIxiFPzR6Bp61oX8xrnm0HLrjhsdsMqW0vVqo2mPND76oNBVaBSOTA==',
    keep: 'dist/scaffolding',
  },
};

/** The folder holding editor `name`'s kept files; fetches and unpacks it the first time. */
export async function editorDir(name, { cache = CACHE, npm = 'npm', log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const editor = EDITORS[name];
  if (!editor) throw new Error(`unknown editor "${name}" (known: ${Object.keys(EDITORS).join(', ')})`);
  const dir = path.join(cache, editor.spec.replace(/^@/, '').replace(/[/@]/g, '-'));
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return path.join(dir, editor.keep);

  log(`editors: fetching ${editor.spec} from the npm registry (once; kept in ${path.relative(ROOT, cache) || cache})`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-editor-'));
  try {
    let tarball;
    try {
      const { stdout } = await run(npm, ['pack', editor.spec, '--pack-destination', work, '--json', '--silent'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      tarball = path.join(work, JSON.parse(stdout)[0].filename);
    } catch (err) {
      const why = (err.stderr || err.message || '').toString().trim().split('\n').slice(-3).join(' ');
      throw new Error(`editors: cannot fetch ${editor.spec} with \`${npm} pack\` (is the npm registry reachable?): ${why}`);
    }
    const actual = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (actual !== editor.integrity) {
      throw new Error(`editors: ${editor.spec} does not match its pinned checksum (got ${actual})`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', '--exclude=*.map', `package/${editor.keep}`]);
    fs.writeFileSync(done, `${editor.spec}\n`);
    log(`editors: ${editor.spec} ready`);
    return path.join(dir, editor.keep);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
