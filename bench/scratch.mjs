// Figure 8: messages per second delivered into hat scripts in scratch-vm, and how many were lost,
// for this project's Scratch extension and for the one-slot polled pattern of CodeLab's current
// IoT extension (one "last message" variable read by a polled hat: whatever arrives between two
// polls overwrites the slot and is lost).
//
// PENDING: the extension is being written on branch `scratch` (js/extension/, tests/scratch/).
// When it lands, replace `measureScratch` with a function that, for each pattern, loads scratch-vm
// in the page with the extension, runs a project whose hat counts messages, floods it through
// the firehose or mosquitto, and returns { ours: { rate, lost }, oneSlot: { rate, lost } }.
// The runner already prints and stores whatever this returns; nothing else needs to change.

export const SCRATCH_PENDING = 'needs the extension (branch scratch): not measured yet';

/** @returns {Promise<null | { ours: { rate: number, lost: number }, oneSlot: { rate: number, lost: number } }>} */
export async function measureScratch(/* { browser, site, firehose, broker, config, progress } */) {
  return null;
}
