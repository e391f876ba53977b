#!/usr/bin/env node
// The Scratch extension's builds, from js/extension/ and the library in dist/ (run after the
// library build; scripts/build.mjs calls this last, or run it alone: node scripts/build-extension.mjs).
//
//   dist/scratch-mqtt-extension.js       the URL extension: classic script, IIFE over `Scratch`,
//                                        TurboWarp header comments, wasm inlined (one request)
//   dist/scratch-mqtt-extension.esm.js   ES module: ScratchMqtt, ScratchIot, LIBRARY_CARDS, wasm inlined
//   dist/scratch3_mqtt/index.js          scratch-vm builtin drop-in (CommonJS, format-message external)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { glueWithInlinedWasm } from './wasm-inline.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension-manifest.json'), 'utf8'));

export const OUTPUTS = {
  url: 'scratch-mqtt-extension.js',
  esm: 'scratch-mqtt-extension.esm.js',
  builtin: 'scratch3_mqtt/index.js',
};

/** esbuild plugin: js/mqtt.js → dist/scratch-mqtt.js (beside its glue), the glue's wasm URL → inline bytes. */
function libraryPlugin(outDir) {
  const library = path.join(outDir, 'scratch-mqtt.js');
  const glue = path.join(outDir, 'scratch_mqtt.js');
  const wasm = path.join(outDir, 'scratch_mqtt_bg.wasm');
  return {
    name: 'scratch-mqtt-library',
    setup(b) {
      b.onResolve({ filter: /(^|\/)mqtt\.js$/ }, (a) =>
        a.importer.includes(`${path.sep}js${path.sep}extension${path.sep}`) ? { path: library } : undefined,
      );
      b.onLoad({ filter: /scratch_mqtt\.js$/ }, async (a) => {
        if (path.resolve(a.path) !== path.resolve(glue)) return undefined;
        // Inlined as the library bundle inlines it (deflated): 145 → 113 KB gzip for this file.
        return { contents: await glueWithInlinedWasm(glue, wasm, '__smqExtWasm'), loader: 'js' };
      });
    },
  };
}

function header() {
  const m = MANIFEST;
  return [
    `// Name: ${m.name.en}`,
    `// ID: ${m.id}`,
    `// Description: ${m.description.en}`,
    `// By: ${m.author}`,
    `// License: ${m.license}`,
    `// Version: ${m.version}`,
    '// Also registers "iot", CodeLab\'s IoT blocks, so CodeLab IoT projects run unchanged.',
    '// Built from js/extension/ by scripts/build-extension.mjs; the MQTT client (WebAssembly) is inlined.',
  ].join('\n');
}

/**
 * Builds the three extension files into `outDir` (which holds the library). `docsURI`: the help
 * link the editor shows beside the category (the hosted "use it" page); none when not hosted.
 */
export async function buildExtension({ outDir = path.join(ROOT, 'dist'), docsURI = '' } = {}) {
  if (!fs.existsSync(path.join(outDir, 'scratch-mqtt.js'))) {
    throw new Error(`${path.relative(ROOT, outDir)}/scratch-mqtt.js is missing: run npm run build (the library first)`);
  }
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    minify: true,
    platform: 'browser',
    target: 'es2020',
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [libraryPlugin(outDir)],
    define: { __SCRATCH_MQTT_DOCS_URI__: JSON.stringify(docsURI) },
  };
  await build({
    ...common,
    entryPoints: [path.join(ROOT, 'js/extension/url.js')],
    format: 'iife',
    banner: { js: header() },
    outfile: path.join(outDir, OUTPUTS.url),
  });
  await build({
    ...common,
    entryPoints: [path.join(ROOT, 'js/extension/index.js')],
    format: 'esm',
    outfile: path.join(outDir, OUTPUTS.esm),
  });
  await build({
    ...common,
    entryPoints: [path.join(ROOT, 'js/extension/builtin.cjs')],
    format: 'cjs',
    external: ['format-message'],
    outfile: path.join(outDir, OUTPUTS.builtin),
  });
  for (const file of Object.values(OUTPUTS)) {
    console.log(`  ${(fs.statSync(path.join(outDir, file)).size / 1024).toFixed(1).padStart(7)} KB  ${path.relative(ROOT, path.join(outDir, file))}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log('\n==> Scratch extension builds');
    await buildExtension();
  } catch (err) {
    console.error(`\nextension build failed: ${err.message}`);
    process.exit(1);
  }
}
