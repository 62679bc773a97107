import fs from 'node:fs';
import path from 'node:path';

/**
 * The folder holding package.json. Files that tsc does not copy to dist/ (the word vectors,
 * the console page) are found from here, so the same code works from the sources and a build.
 */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
