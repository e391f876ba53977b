#!/usr/bin/env node
// `npm run bench:match`: the cost of matching one received topic against one hat filter, three
// ways — the wasm's topicMatches per pair (checks filter and topic, two strings across), one
// call into wasm per pair with the topic only (what a compiled filter handle in wasm would
// cost at best), and the page API's filterMatcher (checked once, matched in JS). In Node, on
// the built library; absolute figures vary, compare the ratios.

import { nodeClient } from '../harness/node-client.mjs';

const api = await nodeClient();
const filters = ['scratch/+/temp', 'scratch/#', 'home/livingroom/light', '+/+/+', 'sensor/esp32/#', 'a/b/c/d'];
const topics = Array.from({ length: 64 }, (_, i) => `scratch/device${i % 8}/temp`);
const rounds = 3000;

function nsPerPair(match) {
  const once = () => {
    let hits = 0;
    for (const topic of topics) for (let i = 0; i < filters.length; i++) hits += match(i, topic) ? 1 : 0;
    return hits;
  };
  for (let i = 0; i < 200; i++) once();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) once();
  return ((performance.now() - start) * 1e6) / (rounds * topics.length * filters.length);
}

const matchers = filters.map((filter) => api.filterMatcher(filter));
const rows = [
  ['wasm topicMatches(filter, topic) per pair', nsPerPair((i, topic) => api.topicMatches(filters[i], topic))],
  ['one wasm call per pair, topic only (a handle at best)', nsPerPair((_, topic) => api.topicProblem(topic) === undefined)],
  ['filterMatcher: checked once, matched in JS', nsPerPair((i, topic) => matchers[i](topic))],
];
for (const [label, ns] of rows) console.log(`${label.padEnd(56)} ${ns.toFixed(1).padStart(7)} ns per (message, hat)`);
