// MQTT topic rules for the blocks (MQTT 3.1.1 §4.7, 5.0 §4.7, 4.8.2 shared subscriptions).
//
// The client's src/topic.rs is the authority; it is not exported through wasm yet, so this is a
// line-by-line mirror of its `validate_name`, `validate_filter`, `split_shared` and `matches`,
// tested on the same cases (tests/scratch/blocks.test.mjs).
// TODO(merge): use the wasm export of `topic::matches` / `validate_filter` once src/wasm has one.

const SHARE_PREFIX = '$share/';
const MAX_TOPIC_BYTES = 65535;
const encoder = new TextEncoder();

function validCommon(topic) {
  return (
    typeof topic === 'string' &&
    topic.length > 0 &&
    encoder.encode(topic).length <= MAX_TOPIC_BYTES &&
    !topic.includes('\u0000')
  );
}

/** `$share/{group}/{filter}` → [group, filter]; null when not a well-formed shared subscription. */
function splitShared(filter) {
  if (!filter.startsWith(SHARE_PREFIX)) return null;
  const rest = filter.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return null;
  const group = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  if (group === '' || /[+#]/.test(group) || inner === '') return null;
  return [group, inner];
}

/** True when `topic` is a valid topic name to publish to (non-empty, no wildcards). */
export function validTopic(topic) {
  return validCommon(topic) && !/[+#]/.test(topic);
}

/** True when `filter` is a valid topic filter (`#` last and alone; `+` alone in its level; shared subscriptions). */
export function validFilter(filter) {
  if (!validCommon(filter)) return false;
  const shared = splitShared(filter);
  if (!shared && filter.startsWith(SHARE_PREFIX)) return false;
  const levels = (shared ? shared[1] : filter).split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/**
 * True when a message published to `topic` matches `filter` (both must be valid). Wildcards at
 * the first level never match topics that start with `$`; a shared subscription matches like
 * the filter inside it.
 */
export function topicMatches(filter, topic) {
  if (!validFilter(filter) || !validTopic(topic)) return false;
  const shared = splitShared(filter);
  const f = (shared ? shared[1] : filter).split('/');
  if (topic.startsWith('$') && (f[0].startsWith('+') || f[0].startsWith('#'))) return false;
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also matches the parent level: `a/#` matches `a`
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
