// The delivery of received messages to the hat scripts of one VM runtime: every message that
// matches a hat runs that hat's script once, in arrival order, one run at a time, never lost
// silently (a full queue drops and counts).
//
// Delivery ("no lost messages"): Scratch starts a hat script with `runtime.startHats(opcode,
// fields, target)`, which skips a script that is still running and then returns no thread for it.
// So each hat script has its own FIFO queue; a message is removed from it only once a run of that
// script has taken it. Just before `startHats`, the head of each queue is put in `slot`; the hat's
// predicate (called synchronously inside `startHats` by scratch-vm) copies it onto its own thread,
// so `message` reports the message that started *this* run. Queues are drained on every frame
// (TurboWarp's BEFORE_EXECUTE) and on a 1/60 s timer while anything is queued. A message is
// matched against a hat's filter once, when it is queued.

import { toText } from './casts.js';

/** Messages waiting per hat script before new ones are dropped (and counted in `status`). */
export const QUEUE_LIMIT = 1000;
/** The property that carries a hat run's own message on its scratch-vm Thread. */
export const THREAD_MESSAGE = 'scratchMqttMessage';
/** The filter the run's message was already matched against when it was queued (or null). */
const THREAD_FILTER = 'scratchMqttFilter';

const DRAIN_INTERVAL_MS = 1000 / 60;
const decoder = new TextDecoder('utf-8');

export class Delivery {
  /**
   * @param {object} runtime  scratch-vm Runtime (or a stub with the same few methods)
   * @param {(filter: string, topic: string) => boolean} matches  the client's wildcard match
   * @param {Record<string,string>} [hats]  hat opcode → its topic argument id
   */
  constructor(runtime, matches, hats = {}) {
    this.runtime = runtime;
    this.matches = matches;
    this.hats = { ...hats };
    this.dropped = 0;
    this.received = 0;
    this.latest = null;
    /** key → { opcode, target, blockId, items: [], filter } */
    this.queues = new Map();
    this.slot = new Map();
    /** Sandboxed worker mode: opcode + filter → { filter, items, fired } (see polledPredicate). */
    this.polled = new Map();
    this.drainTimer = null;
    this.draining = false;
    this.drainQueued = false;
  }

  /** Registers a hat opcode (e.g. `mqtt_whenMessage`) and the id of its topic argument. */
  addHat(opcode, topicArgument) {
    this.hats[opcode] = topicArgument;
  }

  /** The text of a payload (UTF-8; invalid bytes become U+FFFD, never an exception). */
  static payloadText(payload) {
    if (typeof payload === 'string') return payload;
    try {
      // The client's payloads decode themselves (js/shell/batch.js); other bytes are decoded here.
      return typeof payload?.text === 'function' ? payload.text() : decoder.decode(payload);
    } catch {
      return '';
    }
  }

  /** Queues a message for every matching hat script and starts the scripts that are free. */
  receive(topic, payload) {
    this.enqueue(topic, payload);
    this.drain();
  }

  /**
   * The client's path: the messages of one frame arrive in one synchronous run of listener
   * calls, so they are queued as they come and drained once, when that run is over.
   */
  receiveFromClient(topic, payload) {
    this.enqueue(topic, payload);
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => {
      this.drainQueued = false;
      this.drain();
    });
  }

  enqueue(topic, payload) {
    const message = { topic: toText(topic), payload: Delivery.payloadText(payload) };
    this.received++;
    let held = false;
    for (const hat of this.polled.values()) {
      if (!this.matches(hat.filter, message.topic)) continue;
      if (hat.items.length >= QUEUE_LIMIT) this.dropped++;
      else hat.items.push(message);
      held = true;
    }
    // In polled mode `message` is the one a hat released last; otherwise the latest received.
    if (!held) this.latest = message;
    const runtime = this.runtime;
    if (!runtime || typeof runtime.allScriptsByOpcodeDo !== 'function') return;
    for (const [opcode, argument] of Object.entries(this.hats)) {
      try {
        runtime.allScriptsByOpcodeDo(opcode, (script, target) => {
          const filter = staticFilter(target, script.blockId, argument);
          if (filter !== null && !this.matches(filter, message.topic)) return;
          const key = scriptKey(opcode, target, script.blockId);
          let queue = this.queues.get(key);
          if (!queue) {
            queue = { opcode, target, blockId: script.blockId, items: [], filter: null };
            this.queues.set(key, queue);
          }
          // What the hat's predicate needs not match again (a reporter's filter may change).
          queue.filter = filter;
          if (queue.items.length >= QUEUE_LIMIT) {
            this.dropped++;
            return;
          }
          queue.items.push(message);
        });
      } catch (error) {
        console.error('scratch-mqtt: could not queue a message', error);
      }
    }
  }

  /** Starts the next run of every hat script that has a message waiting and is not running. */
  drain() {
    if (this.draining || !this.runtime) return;
    this.draining = true;
    try {
      const starts = new Map(); // target → Set(opcode)
      for (const [key, queue] of this.queues) {
        const alive = typeof this.runtime.getTargetById !== 'function' || this.runtime.getTargetById(queue.target.id);
        if (queue.items.length === 0 || !alive) {
          this.queues.delete(key);
          continue;
        }
        this.slot.set(key, queue.items[0]);
        if (!starts.has(queue.target)) starts.set(queue.target, new Set());
        starts.get(queue.target).add(queue.opcode);
      }
      for (const [target, opcodes] of starts) {
        for (const opcode of opcodes) {
          let threads;
          try {
            threads = this.runtime.startHats(opcode, null, target) ?? [];
          } catch (error) {
            console.error('scratch-mqtt: startHats failed', error);
            threads = [];
          }
          for (const thread of threads) {
            // A VM that evaluates the predicate later (not inside startHats): hand the message over now.
            const key = scriptKey(opcode, target, thread.topBlock);
            if (this.slot.has(key)) this.take(key, thread);
          }
        }
      }
    } finally {
      this.slot.clear();
      this.draining = false;
    }
    this.scheduleDrain();
  }

  /** Moves the head of `key`'s queue onto `thread`. */
  take(key, thread) {
    const message = this.slot.get(key);
    this.slot.delete(key);
    const queue = this.queues.get(key);
    if (queue && queue.items[0] === message) queue.items.shift();
    if (thread) {
      thread[THREAD_MESSAGE] = message;
      thread[THREAD_FILTER] = queue?.filter ?? null;
    }
    return message;
  }

  scheduleDrain() {
    if (this.drainTimer !== null) return;
    let pending = false;
    for (const queue of this.queues.values()) if (queue.items.length) pending = true;
    if (!pending) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.drain();
    }, DRAIN_INTERVAL_MS);
  }

  clearQueues() {
    this.queues.clear();
    for (const hat of this.polled.values()) hat.items.length = 0;
    this.slot.clear();
  }

  /** The hat predicate: true when this run has a message whose topic matches the hat's filter. */
  hatPredicate(opcode, topicArgument, util, polled = false) {
    if (polled) return this.polledPredicate(opcode, topicArgument);
    const thread = util?.thread;
    if (!thread) return false;
    let message = thread[THREAD_MESSAGE];
    if (!message) {
      const target = util.target ?? thread.target;
      const key = scriptKey(opcode, target, thread.topBlock);
      if (!this.slot.has(key)) return false;
      message = this.take(key, thread);
    }
    const filter = toText(topicArgument);
    // Matched once when the message was queued: no second trip into wasm per run.
    if (thread[THREAD_FILTER] === filter) return true;
    return this.matches(filter, message.topic);
  }

  /**
   * Sandboxed worker mode (no runtime, hats edge-activated and polled every frame): one queue per
   * hat opcode and filter, released one message per true→false cycle (every other poll). The VM
   * skips a trigger while the script still runs, so a script that spans frames can miss messages
   * here: the limit of the sandbox, documented in the README.
   */
  polledPredicate(opcode, topicArgument) {
    const filter = toText(topicArgument);
    const key = `${opcode}\u0000${filter}`;
    let hat = this.polled.get(key);
    if (!hat) {
      hat = { filter, items: [], fired: false };
      this.polled.set(key, hat);
    }
    if (hat.fired) {
      hat.fired = false;
      return false;
    }
    if (hat.items.length === 0) return false;
    this.latest = hat.items.shift();
    hat.fired = true;
    return true;
  }

  /** The message of this run (hat scripts) or the latest one (anywhere else). */
  messageFor(util) {
    return util?.thread?.[THREAD_MESSAGE] ?? this.latest;
  }
}

function scriptKey(opcode, target, blockId) {
  return `${opcode}\u0000${target?.id}\u0000${blockId}`;
}

/** The hat's topic when it is typed in (a text shadow); null when a reporter fills the input. */
function staticFilter(target, blockId, argument) {
  try {
    const blocks = target.blocks;
    const hat = blocks.getBlock(blockId);
    const input = hat?.inputs?.[argument];
    if (!input) return null;
    if (input.block !== input.shadow) return null;
    const shadow = blocks.getBlock(input.shadow);
    const field = shadow?.fields && Object.values(shadow.fields)[0];
    return field ? toText(field.value) : null;
  } catch {
    return null;
  }
}
