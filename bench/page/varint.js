// MQTT's variable byte integer (remaining length), for the benchmark's hand-built packets.
// Plain JS so both the page (clients.js) and Node (servers.mjs) import it.

export function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    out.push(b);
  } while (n > 0);
  return out;
}
