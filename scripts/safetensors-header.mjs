// The JSON header of a safetensors file, read in JS without the engine: an 8-byte little-endian
// length n, then n bytes of JSON (tensor offsets and the string-valued `__metadata__`). Used by the
// results report (scripts/results.mjs), the latency bench's vocabulary bank and the tests' model edits.

/**
 * @param {Uint8Array} bytes the whole file, or at least its header
 * @returns {{ header: object, headerLength: number }} the parsed header and n
 */
export function readSafetensorsHeader(bytes) {
  if (bytes.byteLength < 8) throw new Error('not a safetensors file (shorter than 8 bytes)');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.byteLength) throw new Error(`safetensors header length ${n} runs past the end of the file`);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), headerLength: n };
}
