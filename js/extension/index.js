// The ESM entry (dist/scratch-mqtt-extension.esm.js): the blocks classes with the wasm client
// built in, for pages and bundlers that host a scratch-vm themselves.
//
//   import { ScratchMqtt, ScratchIot } from './scratch-mqtt-extension.esm.js';
//   vm.extensionManager._registerInternalExtension(new ScratchMqtt(vm.runtime, { getLocale: () => vm.getLocale() }));

import { MqttBlocks, IotBlocks } from './blocks.js';
import * as client from '../mqtt.js';

export { client };

export class ScratchMqtt extends MqttBlocks {
  constructor(runtime, options = {}) {
    super(runtime, { client, ...options });
  }
}

export class ScratchIot extends IotBlocks {
  constructor(runtime, options = {}) {
    super(runtime, { client, ...options });
  }
}

export { MqttBlocks, IotBlocks };
export { LIBRARY_CARDS } from './card.js';
