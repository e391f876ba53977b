// The extension's icons as data: URIs (no second request): a broadcast-waves mark on the block,
// and the library cards scratch-gui shows (iconURL 600×372, insetIconURL 80×80).

const svg = (text) => `data:image/svg+xml;base64,${btoa(text)}`;

const WAVES =
  '<path d="M20 26a6 6 0 1 1 0 .01" fill="#fff"/>' +
  '<path d="M11 17a13 13 0 0 0 0 18M29 17a13 13 0 0 1 0 18M5 11a21 21 0 0 0 0 30M35 11a21 21 0 0 1 0 30" ' +
  'stroke="#fff" stroke-width="3.5" fill="none" stroke-linecap="round"/>';

export const BLOCK_ICON = svg(
  `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 -6 40 52">${WAVES}</svg>`,
);

/**
 * The category bubble in the palette: the editor draws it on white, so the white waves sit on a
 * disc of the category's colour (white alone was invisible there).
 */
export const menuIcon = (color) =>
  svg(
    `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="-6 -3 52 52">` +
      `<circle cx="20" cy="23" r="25" fill="${color}"/>${WAVES}</svg>`,
  );

export const INSET_ICON = svg(
  `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80" viewBox="-20 -14 80 80">` +
    `<circle cx="20" cy="26" r="38" fill="#5C6BC0"/>${WAVES}</svg>`,
);

export const CARD_ICON = svg(
  `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="372" viewBox="0 0 600 372">` +
    `<rect width="600" height="372" fill="#5C6BC0"/>` +
    `<g transform="translate(210 100) scale(4)">${WAVES}</g>` +
    `<text x="300" y="340" font-family="sans-serif" font-size="44" font-weight="bold" fill="#fff" ` +
    `text-anchor="middle">MQTT</text></svg>`,
);
