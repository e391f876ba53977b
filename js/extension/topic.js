// MQTT topic filter matching for the `when message received` hats (MQTT 3.1.1 §4.7, 5.0 §4.7).
//
// The client (src/topic.rs) has the authoritative rule; it is not exported through wasm yet, so
// this is a small mirror of it, tested against the same cases (tests/scratch/topic.test.mjs).
// TODO(merge): replace with the wasm export of `topic::matches` once src/wasm exposes it.

/** True when `filter` is a valid topic filter (non-empty; `#` last and alone; `+` alone in its level). */
export function validFilter(filter) {
  if (typeof filter !== 'string' || filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/** True when `topic` is a valid topic name for publishing (non-empty, no wildcards). */
export function validTopic(topic) {
  return typeof topic === 'string' && topic.length > 0 && !/[+#\u0000]/.test(topic);
}

/**
 * True when the topic name matches the filter. Wildcards at the first level never match topics
 * that start with `$` (`$SYS/…`), as the specification requires.
 */
export function topicMatches(filter, topic) {
  if (!validFilter(filter) || typeof topic !== 'string' || topic.length === 0) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also matches the parent level: `a/#` matches `a`
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
