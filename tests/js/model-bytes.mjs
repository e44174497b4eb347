// Test helper: a copy of a safetensors model file with its __metadata__ edited (the header is
// re-serialised and the 8-byte little-endian header length rewritten; tensor bytes are unchanged).
import { readSafetensorsHeader } from '../../scripts/safetensors-header.mjs';

export function withMetadata(bytes, edit) {
  const { header, headerLength: n } = readSafetensorsHeader(bytes);
  edit(header.__metadata__);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + (bytes.length - 8 - n));
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}
