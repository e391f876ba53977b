// Test-only Scratch extension for figure 8 of the benchmark: the one-slot polled pattern of
// CodeLab's current IoT extension (CodeLabClub/scratch3_iot, index.js), written again here so the
// benchmark can measure the pattern itself. Not shipped; loaded only by bench/scratch/host.html.
//
// The pattern, in the terms of /work/shared/design/scratch.md ("Hats"):
//   - one slot: the MQTT client's message callback overwrites `comingTopic` / `originMessage`
//     with every arrival (no queue);
//   - `whenMessage` is a HAT left edge-activated (scratch-vm's default), so the VM polls its
//     predicate every frame and starts the script only on a false→true change per sprite, and
//     with restartExistingThreads false (also the default) it skips a trigger while the script
//     still runs;
//   - the predicate returns true when the slot holds the hat's exact topic, and empties the slot.
// So whatever arrives between two polls overwrites the slot, and a flood that refills the slot
// before every poll keeps the predicate true, which is no edge at all.
//
// Two differences from CodeLab's file, neither on the delivery path: the MQTT client is the
// MQTT.js browser bundle the benchmark already loads (CodeLab bundles MQTT.js 2.x), and
// `connect`/`subscribe` wait for CONNACK/SUBACK so the flood starts after the subscription holds
// (CodeLab's blocks return at once). Registered with id `oneslot` (ours registers `iot`).
(function register(Scratch) {
  class OneSlot {
    constructor() {
      this.client = null;
      this.connected = false;
      this.comingTopic = '';
      this.originMessage = '';
    }

    getInfo() {
      return {
        id: 'oneslot',
        name: 'One slot (CodeLab IoT pattern)',
        blocks: [
          { opcode: 'connect', blockType: Scratch.BlockType.COMMAND, text: 'connect to [URL]', arguments: { URL: { type: Scratch.ArgumentType.STRING, defaultValue: '' } } },
          { opcode: 'subscribe', blockType: Scratch.BlockType.COMMAND, text: 'subscribe [TOPIC]', arguments: { TOPIC: { type: Scratch.ArgumentType.STRING, defaultValue: '' } } },
          { opcode: 'isConnected', blockType: Scratch.BlockType.BOOLEAN, text: 'is connected?' },
          // Edge-activated and not restarting: both scratch-vm defaults, as in CodeLab's getInfo().
          { opcode: 'whenMessage', blockType: Scratch.BlockType.HAT, text: 'when topic [TOPIC] message received', arguments: { TOPIC: { type: Scratch.ArgumentType.STRING, defaultValue: '' } } },
          { opcode: 'message', blockType: Scratch.BlockType.REPORTER, text: 'received message' },
        ],
      };
    }

    connect(args) {
      const client = window.mqtt.connect(String(args.URL), { clientId: `oneslot_${Math.random()}`, reconnectPeriod: 0 });
      this.client = client;
      this.connected = false;
      client.on('message', (topic, payload) => {
        // The one slot: each arrival overwrites the last.
        this.comingTopic = topic;
        this.originMessage = payload.toString();
      });
      return new Promise((resolve) => {
        client.on('connect', () => {
          this.connected = true;
          resolve();
        });
        client.on('error', () => resolve());
      });
    }

    subscribe(args) {
      if (!this.connected) return undefined;
      return new Promise((resolve) => this.client.subscribe(String(args.TOPIC), { qos: 0 }, () => resolve()));
    }

    isConnected() {
      return this.connected;
    }

    whenMessage(args) {
      if (!this.connected) return false;
      if (this.comingTopic === String(args.TOPIC)) {
        this.comingTopic = '';
        return true;
      }
      return false;
    }

    message() {
      return this.originMessage;
    }
  }

  Scratch.extensions.register(new OneSlot());
})(window.Scratch);
