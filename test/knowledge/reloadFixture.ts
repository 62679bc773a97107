import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDir } from '../tempDb';

/** A private copy of the fixture knowledge base that a test may edit as a content editor would. */
export class KbCopy {
  readonly dir = tempDir('parley-kb-');

  constructor(from = FIXTURE_KB) {
    fs.cpSync(from, this.dir, { recursive: true });
  }

  path(file: string): string {
    return path.join(this.dir, file);
  }

  read(file: string): string {
    return fs.readFileSync(this.path(file), 'utf8');
  }

  /** Saves in place, as most editors do. */
  write(file: string, text: string): void {
    fs.writeFileSync(this.path(file), text);
  }

  /** Saves through a temporary file renamed over the old one, as vim, `sed -i` and git do. */
  replace(file: string, text: string): void {
    const temp = this.path(`.${path.basename(file)}.swp`);
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, this.path(file));
  }

  /** Replaces one exact piece of a file's text, which must be there once. */
  edit(file: string, from: string, to: string, save: 'write' | 'replace' = 'write'): void {
    const text = this.read(file);
    const at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${file}: expected "${from}" exactly once`);
    this[save](file, text.replace(from, to));
  }
}
