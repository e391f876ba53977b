// The VM host page (tests/scratch/page/, served at /vm-host/, with harness/page/ at /harness/page/) with a Scratch VM's web build
// beside it, for the Playwright tests that run the extension in a VM: a site mount, the VMs, and
// opening one with a project.

import path from 'node:path';
import { ROOT } from '../../harness/browser.mjs';
import { editorDir } from '../../harness/editors.mjs';

/** Mount it with startSite({ extraMounts: VM_HOST_MOUNTS }). */
export const VM_HOST_MOUNTS = { '/vm-host/': path.join(ROOT, 'tests', 'scratch', 'page') };

/** Each VM: its web build's folder and the file that defines it (served as /vm-host/scratch-vm.js). */
export const VMS = [
  { name: 'scratch-vm 5.0.300', dir: async () => path.join(ROOT, 'node_modules', 'scratch-vm', 'dist', 'web'), script: 'scratch-vm.js' },
  { name: '@scratch/scratch-vm 15.1.1', dir: () => editorDir('scratch-vm-15'), script: 'scratch-vm.js' },
  { name: 'TurboWarp (@turbowarp/packager 3.13.0)', dir: () => editorDir('turbowarp'), script: 'scaffolding-min.js' },
];
export const [VANILLA] = VMS;

/** The extension file each loading way takes. */
const EXTENSION = { unsandboxed: '/dist/scratch-mqtt-extension.js', builtin: '/dist/scratch3_mqtt/index.js', worker: '/dist/scratch-mqtt-extension.js' };

/**
 * A page of `browser` with `vm` booted, the extension loaded the `mode` way, then `project` (a
 * ProjectBuilder or project.json text) loaded and its green flag clicked.
 */
export async function openVm(browser, site, { mode = 'unsandboxed', project, vm = VANILLA }) {
  vm.web ??= await vm.dir();
  const page = await browser.newPage();
  // The VM's build, its worker (./extension-worker.js) and its chunks (./chunks/) beside the page.
  await page.route(/\/vm-host\/(scratch-vm\.js|extension-worker\.js|chunks\/[\w.~-]+)$/, (route) => {
    const file = new URL(route.request().url()).pathname.replace(/^\/vm-host\//, '');
    route.fulfill({ path: path.join(vm.web, file === 'scratch-vm.js' ? vm.script : file) });
  });
  await page.goto(`${site.url}vm-host/index.html`);
  const json = typeof project === 'string' ? project : JSON.stringify(project.toJSON());
  await page.evaluate(([m, url, text]) => window.boot(m, url, text), [mode, `${site.url.replace(/\/$/, '')}${EXTENSION[mode]}`, json]);
  return page;
}
