// The scratch-vm builtin drop-in (dist/scratch3_mqtt/index.js): classes constructed with `runtime`,
// as scratch-vm's extension manager does for `builtinExtensions`. See README "Loading (b)".
//
//   scratch-vm/src/extensions/scratch3_mqtt/index.js   ← this file, built
//   extension-manager.js builtinExtensions:
//     mqtt: () => require('../extensions/scratch3_mqtt'),
//     iot: () => require('../extensions/scratch3_mqtt').Scratch3Iot,

const { MqttBlocks, IotBlocks } = require('./blocks.js');
const client = require('../mqtt.js');
const { LIBRARY_CARDS } = require('./card.js');

/** scratch-vm's locale (format-message, which `vm.setLocale` sets up), else the browser's. */
function vmLocale() {
  try {
    // eslint-disable-next-line global-require
    return require('format-message').setup().locale;
  } catch {
    return globalThis.navigator?.language ?? 'en';
  }
}

class Scratch3Mqtt extends MqttBlocks {
  constructor(runtime) {
    super(runtime, { client, getLocale: vmLocale });
  }
}

class Scratch3Iot extends IotBlocks {
  constructor(runtime) {
    super(runtime, { client, getLocale: vmLocale });
  }
}

module.exports = Scratch3Mqtt;
module.exports.Scratch3Mqtt = Scratch3Mqtt;
module.exports.Scratch3Iot = Scratch3Iot;
module.exports.LIBRARY_CARDS = LIBRARY_CARDS;
