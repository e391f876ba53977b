// What scratch-gui shows for the extension in its library (src/lib/libraries/extensions/index.jsx).

import { CARD_ICON, INSET_ICON } from './icons.js';

export const HELP_LINK = 'https://github.com/scratch-mqtt/scratch-mqtt#readme';

export const LIBRARY_CARDS = [
  {
    name: 'MQTT',
    extensionId: 'mqtt',
    iconURL: CARD_ICON,
    insetIconURL: INSET_ICON,
    description: 'Send and receive MQTT messages. 收发 MQTT 消息。',
    featured: true,
    internetConnectionRequired: true,
    helpLink: HELP_LINK,
  },
  {
    name: 'IoT',
    extensionId: 'iot',
    iconURL: CARD_ICON,
    insetIconURL: INSET_ICON,
    description: 'CodeLab IoT blocks (compatible). CodeLab 物联网积木（兼容）。',
    featured: true,
    internetConnectionRequired: true,
    helpLink: HELP_LINK,
  },
];
