import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh empty folder in the system's temp folder; the prefix says which test made it. */
export function tempDir(prefix = 'parley-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A fresh SQLite file path in its own temp folder, for tests that need a real file. */
export function tempDbFile(): string {
  return path.join(tempDir(), 'parley.sqlite');
}
