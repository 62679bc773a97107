import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { growth, HeapSnapshot, newObjects, totalsByKind } from '../../../scripts/bench/heapDiff';

/**
 * A real process's heap, twice: the second time with 1,000 objects of a class of its own kept in
 * a Map, and 50 it made and dropped. The tool must find exactly the kept ones and what holds them.
 */
const PROGRAM = `
const { writeHeapSnapshot } = require('node:v8');
class Kept { constructor(i) { this.i = i; } }
class Dropped { constructor(i) { this.i = i; } }
globalThis.holder = new Map();
writeHeapSnapshot(process.argv[1]);
for (let i = 0; i < 1000; i++) globalThis.holder.set('k' + i, new Kept(i));
for (let i = 0; i < 50; i++) new Dropped(i);
writeHeapSnapshot(process.argv[2]);
`;

describe('heapDiff', () => {
  let dir: string;
  let early: HeapSnapshot;
  let late: HeapSnapshot;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'parley-heapdiff-'));
    const [a, b] = [path.join(dir, 'early.heapsnapshot'), path.join(dir, 'late.heapsnapshot')];
    execFileSync(process.execPath, ['-e', PROGRAM, a, b]);
    early = HeapSnapshot.read(a);
    late = HeapSnapshot.read(b);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts objects by constructor in each snapshot, and the growth between them', () => {
    expect(totalsByKind(early).get('object Kept')).toBeUndefined();
    expect(totalsByKind(late).get('object Kept')?.count).toBe(1_000);
    const kept = growth(totalsByKind(early), totalsByKind(late)).find((g) => g.kind === 'object Kept');
    expect(kept).toMatchObject({ early: { count: 0, bytes: 0 }, late: { count: 1_000 } });
    expect(kept!.late.bytes).toBeGreaterThan(0);
    // A snapshot collects first: what was dropped is not there to be counted.
    expect(totalsByKind(late).get('object Dropped')).toBeUndefined();
  });

  it('finds the objects new in the late snapshot and what holds them', () => {
    const found = newObjects(early, late, 1_000).find((k) => k.kind === 'object Kept');
    expect(found?.count).toBe(1_000);
    // A Map keeps its entries in its backing table, an internal array the Map holds.
    const [retainer, count] = found!.retainers[0]!;
    expect(retainer).toMatch(/^\(array\)/);
    expect(count).toBe(1_000);
  });

  it('finds nothing new between a snapshot and itself', () => {
    expect(newObjects(early, early, 10)).toEqual([]);
    expect(growth(totalsByKind(early), totalsByKind(early))).toEqual([]);
  });
});
