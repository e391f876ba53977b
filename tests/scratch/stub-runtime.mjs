// A stand-in for scratch-vm's Runtime with just what the blocks use, following scratch-vm 5.0.300:
// `startHats(opcode, fields, target)` skips a script whose thread is still running, evaluates a
// predicate hat synchronously for each new thread (retiring it when false) and returns the new
// threads; `allScriptsByOpcodeDo`, `getTargetById`, events (`on`/`emit`).
//
//   const rt = new StubRuntime();
//   const sprite = rt.addTarget('Sprite1');
//   const script = rt.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'sensors/+');
//   rt.setPredicate('mqtt_whenMessage', (args, util) => ext.whenMessage(args, util));
//   ... rt.runs → [{ script, thread }], rt.finish(thread) ends a run

import { EventEmitter } from 'node:events';

let nextId = 1;

export class StubRuntime extends EventEmitter {
  constructor() {
    super();
    this.targets = [];
    this.threads = [];
    this.runs = [];
    this.predicates = {};
    this.onRun = null;
  }

  addTarget(name) {
    const blocks = new Map();
    const target = {
      id: `target-${nextId++}`,
      name,
      scripts: [],
      blocks: { getBlock: (id) => blocks.get(id), map: blocks },
    };
    this.targets.push(target);
    return target;
  }

  /** A hat script; `topic` is typed text, or `{ reporter: () => text }` for a reporter in the input. */
  addHatScript(target, opcode, argument, topic) {
    const blockId = `hat-${nextId++}`;
    const shadowId = `shadow-${nextId++}`;
    const typed = typeof topic === 'string';
    target.blocks.map.set(shadowId, { id: shadowId, opcode: 'text', fields: { TEXT: { name: 'TEXT', value: typed ? topic : '' } } });
    const reporterId = typed ? shadowId : `reporter-${nextId++}`;
    target.blocks.map.set(blockId, { id: blockId, opcode, inputs: { [argument]: { name: argument, block: reporterId, shadow: shadowId } } });
    const script = { blockId, opcode, argument, topic, target };
    target.scripts.push(script);
    return script;
  }

  setPredicate(opcode, fn) {
    this.predicates[opcode] = fn;
  }

  getTargetById(id) {
    return this.targets.find((t) => t.id === id);
  }

  allScriptsByOpcodeDo(opcode, fn, optTarget) {
    for (const target of optTarget ? [optTarget] : this.targets) {
      for (const script of target.scripts) if (script.opcode === opcode) fn({ blockId: script.blockId, fieldsOfInputs: {} }, target);
    }
  }

  startHats(opcode, fields, optTarget) {
    if (!this.predicates[opcode]) return undefined;
    const started = [];
    this.allScriptsByOpcodeDo(
      opcode,
      (s, target) => {
        if (this.threads.some((t) => t.target === target && t.topBlock === s.blockId && t.status !== 'done')) return;
        const thread = { target, topBlock: s.blockId, status: 'running' };
        this.threads.push(thread);
        started.push(thread);
      },
      optTarget,
    );
    for (const thread of started) {
      const script = thread.target.scripts.find((s) => s.blockId === thread.topBlock);
      const topic = typeof script.topic === 'string' ? script.topic : script.topic.reporter();
      const ok = this.predicates[opcode]({ [script.argument]: topic }, { thread, target: thread.target });
      if (!ok) thread.status = 'done';
      else {
        this.runs.push({ script, thread });
        this.onRun?.(thread, script);
      }
    }
    return started;
  }

  /** Ends a run (its script may start again) and forgets finished threads. */
  finish(thread) {
    thread.status = 'done';
    this.threads = this.threads.filter((t) => t.status !== 'done');
  }

  finishAll() {
    for (const t of this.threads) t.status = 'done';
    this.threads = [];
  }
}
