// Builds Scratch 3 projects (project.json, and .sb3 zips) from a compact description, for the
// browser tests (tests/scratch/) and the example projects (scripts/build-examples.mjs). Inputs:
//   'text'                          a text input
//   { num: 0.1 }                    a number input
//   { menu: 'mqtt_menu_qos', field: 'qos', value: '1' }   an extension menu
//   { block: { opcode, inputs, fields } }                 a reporter placed in the input
//   { variable: 'name' }            a variable reporter
//   { stack: [specs] }              a C-block's substack (forever, if …)
// Fields: { LIST: { list: 'name' } }, { VARIABLE: { variable: 'name' } }, or plain values.

import crypto from 'node:crypto';

/** An empty SVG costume: every target needs one; its asset is not fetched without storage. */
const EMPTY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2" viewBox="0 0 2 2"></svg>';
const EMPTY_SVG_MD5 = crypto.createHash('md5').update(EMPTY_SVG).digest('hex');

export class ProjectBuilder {
  /**
   * @param {object} [o]
   * @param {string[]} [o.extensions]  extension ids the project uses
   * @param {Record<string,string>} [o.extensionURLs]  id → URL (TurboWarp loads these with the project)
   */
  constructor({ extensions = ['mqtt'], extensionURLs = null } = {}) {
    this.extensions = extensions;
    this.extensionURLs = extensionURLs;
    this.n = 0;
    this.stage = this.#target('Stage', true);
    this.sprites = [];
    this.monitors = [];
  }

  /** Shows a stage variable or list on the stage. */
  monitor(name, { list = false, x = 5, y = 5, width = 0, height = 0 } = {}) {
    const id = list ? this.list(name) : this.variable(name);
    this.monitors.push({
      id,
      mode: list ? 'list' : 'default',
      opcode: list ? 'data_listcontents' : 'data_variable',
      params: list ? { LIST: name } : { VARIABLE: name },
      spriteName: null,
      value: list ? [] : 0,
      width,
      height,
      x,
      y,
      visible: true,
      sliderMin: 0,
      sliderMax: 100,
      isDiscrete: true,
    });
  }

  #target(name, isStage, svg = EMPTY_SVG) {
    return { name, isStage, blocks: {}, variables: {}, lists: {}, y: 0, svg };
  }

  /** A sprite; `svg` is its one costume (default: an empty 2×2 picture). */
  sprite(name, { svg = EMPTY_SVG } = {}) {
    const t = this.#target(name, false, svg);
    this.sprites.push(t);
    return t;
  }

  /** A stage variable (or list) id, created on first use. */
  variable(name, value = 0) {
    const id = `var-${name}`;
    this.stage.variables[id] ??= [name, value];
    return id;
  }

  list(name) {
    const id = `list-${name}`;
    this.stage.lists[id] ??= [name, []];
    return id;
  }

  /** Adds a script (hat first) to `target` (default the stage). */
  script(specs, target = this.stage) {
    let previous = null;
    let first = null;
    for (const spec of specs) {
      const id = this.#block(spec, target, previous, previous === null);
      if (previous) target.blocks[previous].next = id;
      else first = id;
      previous = id;
    }
    // One column, as the editor's "Clean up blocks" lays scripts out, each below the last.
    target.blocks[first].x = SCRIPT_X;
    target.blocks[first].y = target.y;
    target.y += stackHeight(specs) + HAT_HEIGHT + SCRIPT_GAP;
    return first;
  }

  #block({ opcode, inputs = {}, fields = {} }, target, parent, topLevel) {
    const id = `b${++this.n}`;
    const block = { opcode, next: null, parent, inputs: {}, fields: {}, shadow: false, topLevel };
    target.blocks[id] = block;
    for (const [name, value] of Object.entries(fields)) {
      if (value && typeof value === 'object' && 'list' in value) block.fields[name] = [value.list, this.list(value.list)];
      else if (value && typeof value === 'object' && 'variable' in value) {
        block.fields[name] = [value.variable, this.variable(value.variable)];
      } else block.fields[name] = [String(value), null];
    }
    for (const [name, value] of Object.entries(inputs)) {
      if (typeof value === 'string') block.inputs[name] = [1, [10, value]];
      else if ('num' in value) block.inputs[name] = [1, [4, String(value.num)]];
      else if ('menu' in value) {
        const menuId = `b${++this.n}`;
        target.blocks[menuId] = {
          opcode: value.menu,
          next: null,
          parent: id,
          inputs: {},
          fields: { [value.field]: [String(value.value), null] },
          shadow: true,
          topLevel: false,
        };
        block.inputs[name] = [1, menuId];
      } else if ('variable' in value) {
        block.inputs[name] = [3, [12, value.variable, this.variable(value.variable)], [10, '']];
      } else if ('stack' in value) {
        let prev = null;
        for (const spec of value.stack) {
          const child = this.#block(spec, target, prev ?? id, false);
          if (prev) target.blocks[prev].next = child;
          else block.inputs[name] = [2, child];
          prev = child;
        }
      } else if ('block' in value) {
        const child = this.#block(value.block, target, id, false);
        block.inputs[name] = [3, child, [10, '']];
      }
    }
    return id;
  }

  toJSON() {
    const costume = (svg) => {
      const md5 = svg === EMPTY_SVG ? EMPTY_SVG_MD5 : crypto.createHash('md5').update(svg).digest('hex');
      const size = svg.match(/width="(\d+)" height="(\d+)"/) ?? [0, 2, 2];
      return {
        name: 'costume1',
        assetId: md5,
        md5ext: `${md5}.svg`,
        dataFormat: 'svg',
        rotationCenterX: Number(size[1]) / 2,
        rotationCenterY: Number(size[2]) / 2,
        bitmapResolution: 1,
      };
    };
    const target = (t, i) => ({
      isStage: t.isStage,
      name: t.name,
      variables: t.variables,
      lists: t.lists,
      broadcasts: {},
      blocks: t.blocks,
      comments: {},
      currentCostume: 0,
      costumes: [costume(t.svg)],
      sounds: [],
      volume: 100,
      layerOrder: i,
      ...(t.isStage
        ? { tempo: 60, videoTransparency: 50, videoState: 'off', textToSpeechLanguage: null }
        : { visible: true, x: 0, y: 0, size: 100, direction: 90, draggable: false, rotationStyle: 'all around' }),
    });
    return {
      targets: [this.stage, ...this.sprites].map(target),
      monitors: this.monitors,
      extensions: this.extensions,
      // TurboWarp loads `extensionURLs` with the project; Eureka (the userscript loader used in
      // CodeLab) reads `sideloadExtensionURLs` and runs each in its `sideloadExtensionEnvs` mode.
      ...(this.extensionURLs
        ? {
            extensionURLs: this.extensionURLs,
            sideloadExtensionURLs: this.extensionURLs,
            sideloadExtensionEnvs: Object.fromEntries(Object.keys(this.extensionURLs).map((id) => [id, 'unsandboxed'])),
          }
        : {}),
      meta: { semver: '3.0.0', vm: '5.0.300', agent: 'scratch-mqtt tests' },
    };
  }

  /** The .sb3 (a zip of project.json and the costume) as a Buffer. */
  async toSb3() {
    const { default: JSZip } = await import('jszip');
    const zip = new JSZip();
    // A fixed date keeps the .sb3 byte for byte the same on every run.
    const options = { date: new Date(Date.UTC(2026, 0, 1)) };
    zip.file('project.json', JSON.stringify(this.toJSON()), options);
    for (const t of [this.stage, ...this.sprites]) {
      const md5 = crypto.createHash('md5').update(t.svg).digest('hex');
      zip.file(`${md5}.svg`, t.svg, options);
    }
    return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  }
}

// Script layout, in workspace units (the editor shows them at 0.675 by default). A block's height
// is taken generously, so that scripts never overlap whatever their inputs hold.
const SCRIPT_X = 16;
const SCRIPT_GAP = 48;
const HAT_HEIGHT = 32; // a hat's curved top above an ordinary block
const BLOCK_HEIGHT = 64;
const C_BLOCK_ARMS = 48; // a C block's top and bottom arms around its inner stack

/** The height of a stack of block specs, inner stacks (forever, if…) included. */
function stackHeight(specs) {
  let height = 0;
  for (const spec of specs) {
    height += BLOCK_HEIGHT;
    for (const input of Object.values(spec.inputs ?? {})) {
      if (input && typeof input === 'object' && 'stack' in input) height += C_BLOCK_ARMS + stackHeight(input.stack);
    }
  }
  return height;
}

// Block shorthands.
export const b = {
  greenFlag: () => ({ opcode: 'event_whenflagclicked' }),
  wait: (secs) => ({ opcode: 'control_wait', inputs: { DURATION: { num: secs } } }),
  addToList: (list, item) => ({ opcode: 'data_addtolist', inputs: { ITEM: item }, fields: { LIST: { list } } }),
  setVar: (variable, value) => ({ opcode: 'data_setvariableto', inputs: { VALUE: value }, fields: { VARIABLE: { variable } } }),
  join: (a, c) => ({ block: { opcode: 'operator_join', inputs: { STRING1: a, STRING2: c } } }),
  say: (message) => ({ opcode: 'looks_say', inputs: { MESSAGE: message } }),
  sayFor: (message, secs) => ({ opcode: 'looks_sayforsecs', inputs: { MESSAGE: message, SECS: { num: secs } } }),
  forever: (stack) => ({ opcode: 'control_forever', inputs: { SUBSTACK: { stack } } }),
  ask: (question) => ({ opcode: 'sensing_askandwait', inputs: { QUESTION: question } }),
  answer: () => ({ block: { opcode: 'sensing_answer' } }),
  whenKey: (key) => ({ opcode: 'event_whenkeypressed', fields: { KEY_OPTION: key } }),
  whenClicked: () => ({ opcode: 'event_whenthisspriteclicked' }),
  qos: (value) => ({ menu: 'mqtt_menu_qos', field: 'qos', value }),
  retain: (value) => ({ menu: 'mqtt_menu_retain', field: 'retain', value }),
  // the mqtt blocks
  connect: (url, user = '', pass = '') => ({ opcode: 'mqtt_connect', inputs: { URL: url, USER: user, PASS: pass } }),
  disconnect: () => ({ opcode: 'mqtt_disconnect' }),
  subscribe: (topic, qos = '0') => ({ opcode: 'mqtt_subscribe', inputs: { TOPIC: topic, QOS: b.qos(qos) } }),
  publish: (payload, topic) => ({ opcode: 'mqtt_publish', inputs: { PAYLOAD: payload, TOPIC: topic } }),
  publishWith: (payload, topic, qos = '1', retain = 'false') => ({
    opcode: 'mqtt_publishWith',
    inputs: { PAYLOAD: payload, TOPIC: topic, QOS: b.qos(qos), RETAIN: b.retain(retain) },
  }),
  whenMessage: (topic) => ({ opcode: 'mqtt_whenMessage', inputs: { TOPIC: topic } }),
  message: () => ({ block: { opcode: 'mqtt_message' } }),
  messageTopic: () => ({ block: { opcode: 'mqtt_messageTopic' } }),
  status: () => ({ block: { opcode: 'mqtt_status' } }),
  jsonGet: (path, json) => ({ block: { opcode: 'mqtt_jsonGet', inputs: { PATH: path, JSON: json } } }),
};
