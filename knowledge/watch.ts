import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Watches the knowledge folder for edits: the YAML files at its top and the bin and bank-holiday
 * files in data/. Other files (tests/, schema/, vectors/, editors' swap and backup files) are not
 * knowledge and are ignored.
 *
 * Two plain directory watches, not `fs.watch(dir, { recursive: true })`: on Linux, Node 20 builds
 * the recursive watch in JavaScript from one watch per file, and measured here (Node 20.20) it
 * reports the first save that replaces a file (write a temporary file, rename it over the old
 * one: what many editors, `sed -i` and `git checkout` do) and none after it, because it keeps
 * watching the replaced file. A directory watch sees every file written, created or renamed in
 * the folder, under its name. The data/ watch is set up again when data/ itself is replaced.
 */

export const DATA_FOLDER = 'data';
const TOP_LEVEL = /\.ya?ml$/i;
const IN_DATA = /\.(csv|ya?ml)$/i;

export interface KnowledgeWatch {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs: one save fires several events. */
  debounceMs?: number;
  /** A watch that fails (the folder removed, too many watches); the reload on save stops. */
  onError?: (err: Error) => void;
}

/** Calls `onChange` once per burst of edits to the knowledge files in `dir`. */
export function watchKnowledge(dir: string, onChange: () => void, { debounceMs = 300, onError = () => undefined }: WatchOptions = {}): KnowledgeWatch {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
    // A pending reload alone must not keep the process (or a test) alive.
    timer.unref();
  };
  // `persistent: false`: watching is a side job of the server, never a reason to keep running.
  const watch = (folder: string, relevant: (name: string) => boolean) => {
    const watcher = fs.watch(folder, { persistent: false }, (_event, name) => {
      // No name is given on some platforms: assume it was one of ours.
      if (name === null || relevant(name.toString())) changed();
    });
    watcher.on('error', (err) => onError(err));
    return watcher;
  };

  const dataDir = path.join(dir, DATA_FOLDER);
  let dataWatcher: fs.FSWatcher | undefined;
  const watchData = () => {
    dataWatcher?.close();
    dataWatcher = undefined;
    // data/ may be missing for a moment while it is replaced; the top watch calls again when it is back.
    if (fs.existsSync(dataDir)) dataWatcher = watch(dataDir, (name) => IN_DATA.test(name));
  };
  const topWatcher = watch(dir, (name) => {
    if (name === DATA_FOLDER) {
      watchData();
      return true;
    }
    return TOP_LEVEL.test(name);
  });
  watchData();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      topWatcher.close();
      dataWatcher?.close();
    },
  };
}

/**
 * A hash of the raw bytes of the knowledge files, by name: a cheap test of whether anything was
 * written since the last look, so that events that change nothing (a file touched, an editor's
 * extra events, a save of the same text) do not rebuild the matcher or log a failure again.
 * Unlike `knowledgeVersion` it changes with comments and line endings; it is never stored.
 */
export function knowledgeFilesFingerprint(dir: string): string {
  const hash = createHash('sha256');
  const add = (folder: string, prefix: string, relevant: RegExp) => {
    let names: string[];
    try {
      names = fs.readdirSync(folder);
    } catch {
      // A missing folder is part of the state too; the loader says what is wrong with it.
      hash.update(`${prefix}: missing\0`);
      return;
    }
    for (const name of names.filter((n) => relevant.test(n)).sort()) {
      hash.update(`${prefix}${name}\0`);
      try {
        hash.update(fs.readFileSync(path.join(folder, name)));
      } catch {
        hash.update('unreadable');
      }
      hash.update('\0');
    }
  };
  add(dir, '', TOP_LEVEL);
  add(path.join(dir, DATA_FOLDER), `${DATA_FOLDER}/`, IN_DATA);
  return hash.digest('hex');
}
