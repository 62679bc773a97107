import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh SQLite file path in its own temp folder, for tests that need a real file. */
export function tempDbFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-test-')), 'parley.sqlite');
}
