// Block arguments as the extension needs them: whatever Scratch passes (numbers, booleans,
// undefined, objects from reporters) becomes text, a QoS, a boolean; and the JSON reporter.
// Never a throw: a value that cannot be read is '' or null.

/** Block argument → text, whatever Scratch passed (numbers, booleans, undefined, objects). */
export function toText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  try {
    return String(value);
  } catch {
    return '';
  }
}

/** QoS menu or reporter value → 0, 1 or 2; null when it is anything else. */
export function toQos(value) {
  const text = toText(value).trim();
  if (!/^[0-2](\.0*)?$/.test(text)) return null;
  return Number(text.slice(0, 1));
}

/** Retain menu or reporter value → boolean. */
export function toBool(value) {
  if (typeof value === 'boolean') return value;
  const text = toText(value).trim().toLowerCase();
  return text === 'true' || text === '1' || text === 'yes' || text === '是';
}

/** `path` (dot separated, `a.b.0`) of the JSON text `json`, as text; '' when absent or not JSON. */
export function jsonGet(path, json) {
  let value;
  try {
    value = JSON.parse(toText(json));
  } catch {
    return '';
  }
  const p = toText(path).trim();
  if (p !== '') {
    for (const key of p.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return '';
      value = value[key];
    }
  }
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}
