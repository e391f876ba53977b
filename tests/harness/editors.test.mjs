// The editor fetcher fails clearly, never silently: without npm or a registry, and when a tarball
// is not the one pinned. (Fetching for real is what the editor and VM tests do.)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { editorDir } from '../../harness/editors.mjs';

/** A fresh folder, removed when test `t` ends. */
function scratchDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-editors-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A stand-in for `npm pack` that writes `content` as the tarball into --pack-destination. */
function fakeNpm(dir, content) {
  const script = path.join(dir, 'npm');
  fs.writeFileSync(
    script,
    `#!/bin/sh\nwhile [ "$1" != "--pack-destination" ]; do shift; done\nprintf '%s' '${content}' > "$2/x.tgz"\necho '[{"filename":"x.tgz"}]'\n`,
    { mode: 0o755 },
  );
  return script;
}

test('an npm that cannot reach the registry is a clear error naming the package', async (t) => {
  const dir = scratchDir(t);
  const logs = [];
  await assert.rejects(editorDir('scratch-vm-15', { cache: dir, npm: '/bin/false', log: (l) => logs.push(l) }), /cannot fetch @scratch\/scratch-vm@15\.1\.1 with `\/bin\/false pack`/);
  assert.match(logs[0], /fetching @scratch\/scratch-vm@15\.1\.1/);
  assert.ok(!fs.existsSync(path.join(dir, 'scratch-scratch-vm-15.1.1', '.complete')));
});

test('a tarball that is not the pinned one is refused and nothing is kept', async (t) => {
  const dir = scratchDir(t);
  await assert.rejects(editorDir('turbowarp', { cache: dir, npm: fakeNpm(dir, 'not the packager'), log: () => {} }), /does not match its pinned checksum/);
  assert.ok(!fs.existsSync(path.join(dir, 'turbowarp-packager-3.13.0')));
});

test('an unknown editor name lists the known ones', async () => {
  await assert.rejects(editorDir('scratch-2'), /unknown editor "scratch-2" \(known: scratch-gui, scratch-vm-15, turbowarp\)/);
});
