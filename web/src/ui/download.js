// Saving a JSON document as a file on the learner's device (no network: a blob: URL).
export function downloadJson(doc, filename) {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Reads a File (from <input type=file>) as JSON. */
export async function readJsonFile(file) {
  return JSON.parse(await file.text());
}
