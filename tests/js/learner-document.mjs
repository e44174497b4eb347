// Learner-data documents edited and sealed again (state length and hash, checksum), so that only the
// engine's own checks can refuse them (tests of importLearnerData).
import { canonicalJson, fromBase64 } from '../../web/src/storage-document.js';
import { sha256Hex } from '../../web/src/sha256.js';

/** A copy of `doc`, changed by `edit(copy)`, then sealed again. */
export function resealed(doc, edit = () => {}) {
  const d = structuredClone(doc);
  edit(d);
  if (d.state) {
    const bytes = fromBase64(d.state.data);
    d.state = { ...d.state, bytes: bytes.length, sha256: sha256Hex(bytes) };
  }
  const { checksum, ...body } = d;
  return { ...d, checksum: `sha256:${sha256Hex(canonicalJson(body))}` };
}
