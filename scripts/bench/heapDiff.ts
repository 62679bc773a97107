/**
 * node --import tsx scripts/bench/heapDiff.ts EARLY.heapsnapshot LATE.heapsnapshot [--top N]
 *
 * What grew in the JavaScript heap between two snapshots of the same process (bench:load's
 * `--memory-log` with PARLEY_BENCH_HEAP_SNAPSHOTS, or `--heapsnapshot-signal`): objects counted
 * by constructor (strings, code and arrays by kind) with their own sizes early and late, then the
 * objects that are new in the late snapshot (V8 keeps an object's id across snapshots of one
 * process) and, for the kinds with most new bytes, what holds them: the retainer's kind and the
 * property or element it holds them through. Chrome DevTools' comparison view, in a terminal.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const snapshotSchema = z.object({
  snapshot: z.object({
    meta: z.object({
      node_fields: z.array(z.string()),
      node_types: z.tuple([z.array(z.string())]).rest(z.unknown()),
      edge_fields: z.array(z.string()),
      edge_types: z.tuple([z.array(z.string())]).rest(z.unknown()),
    }),
  }),
  nodes: z.array(z.number()),
  edges: z.array(z.number()),
  strings: z.array(z.string()),
});
type RawSnapshot = z.infer<typeof snapshotSchema>;

/** The fields of a snapshot this tool reads, in the layout V8 writes. */
export class HeapSnapshot {
  private readonly nodeFieldCount: number;
  private readonly edgeFieldCount: number;
  private readonly at: Record<'type' | 'name' | 'id' | 'selfSize' | 'edgeCount' | 'edgeType' | 'edgeName' | 'toNode', number>;
  /** Index into `edges` of each node's first edge. */
  private readonly firstEdge: Uint32Array;

  constructor(private readonly raw: RawSnapshot) {
    const { node_fields: nodeFields, edge_fields: edgeFields } = raw.snapshot.meta;
    const field = (fields: string[], name: string) => {
      const i = fields.indexOf(name);
      if (i < 0) throw new Error(`heap snapshot: no "${name}" among the fields (${fields.join(', ')})`);
      return i;
    };
    this.nodeFieldCount = nodeFields.length;
    this.edgeFieldCount = edgeFields.length;
    this.at = {
      type: field(nodeFields, 'type'),
      name: field(nodeFields, 'name'),
      id: field(nodeFields, 'id'),
      selfSize: field(nodeFields, 'self_size'),
      edgeCount: field(nodeFields, 'edge_count'),
      edgeType: field(edgeFields, 'type'),
      edgeName: field(edgeFields, 'name_or_index'),
      toNode: field(edgeFields, 'to_node'),
    };
    this.firstEdge = new Uint32Array(this.count);
    let edge = 0;
    for (let n = 0; n < this.count; n++) {
      this.firstEdge[n] = edge;
      edge += raw.nodes[n * this.nodeFieldCount + this.at.edgeCount]! * this.edgeFieldCount;
    }
  }

  static read(file: string): HeapSnapshot {
    return new HeapSnapshot(snapshotSchema.parse(JSON.parse(readFileSync(file, 'utf8'))));
  }

  get count(): number {
    return this.raw.nodes.length / this.nodeFieldCount;
  }

  id(n: number): number {
    return this.raw.nodes[n * this.nodeFieldCount + this.at.id]!;
  }

  selfSize(n: number): number {
    return this.raw.nodes[n * this.nodeFieldCount + this.at.selfSize]!;
  }

  /**
   * What kind of thing node n is: objects and closures by constructor or function name; strings,
   * code, numbers and arrays by V8's type alone (their names are their contents).
   */
  kind(n: number): string {
    const type = this.raw.snapshot.meta.node_types[0][this.raw.nodes[n * this.nodeFieldCount + this.at.type]!]!;
    const name = this.raw.strings[this.raw.nodes[n * this.nodeFieldCount + this.at.name]!]!;
    if (type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' || type === 'synthetic') return `${type} ${name}`.slice(0, 80);
    return `(${type})`;
  }

  /** Every edge as (from node, edge label, to node); weak edges left out: they retain nothing. */
  *edges(): Generator<[from: number, label: string, to: number]> {
    const edgeTypes = this.raw.snapshot.meta.edge_types[0];
    for (let n = 0; n < this.count; n++) {
      const first = this.firstEdge[n]!;
      const count = this.raw.nodes[n * this.nodeFieldCount + this.at.edgeCount]!;
      for (let e = first; e < first + count * this.edgeFieldCount; e += this.edgeFieldCount) {
        const type = edgeTypes[this.raw.edges[e + this.at.edgeType]!]!;
        if (type === 'weak') continue;
        const nameOrIndex = this.raw.edges[e + this.at.edgeName]!;
        // Elements and hidden edges are numbered; the rest are named by a string index, and some
        // internal ones by a number too (a Map's table slots): numbers would make every slot a
        // retainer of its own, so they are all "[slot]".
        const name = type === 'element' || type === 'hidden' ? undefined : this.raw.strings[nameOrIndex]!;
        const label = name === undefined ? `[${type}]` : /^\d+$/.test(name) ? '[slot]' : `.${name}`;
        yield [n, label, this.raw.edges[e + this.at.toNode]! / this.nodeFieldCount];
      }
    }
  }
}

export interface KindTotals {
  count: number;
  bytes: number;
}

/** Objects and their own bytes by kind. */
export function totalsByKind(snapshot: HeapSnapshot): Map<string, KindTotals> {
  const totals = new Map<string, KindTotals>();
  for (let n = 0; n < snapshot.count; n++) {
    const kind = snapshot.kind(n);
    const t = totals.get(kind) ?? { count: 0, bytes: 0 };
    t.count += 1;
    t.bytes += snapshot.selfSize(n);
    totals.set(kind, t);
  }
  return totals;
}

export interface KindGrowth {
  kind: string;
  early: KindTotals;
  late: KindTotals;
}

/** Every kind whose count or bytes changed, largest growth in bytes first. */
export function growth(early: Map<string, KindTotals>, late: Map<string, KindTotals>): KindGrowth[] {
  const none = { count: 0, bytes: 0 };
  return [...new Set([...early.keys(), ...late.keys()])]
    .map((kind) => ({ kind, early: early.get(kind) ?? none, late: late.get(kind) ?? none }))
    .filter((g) => g.early.count !== g.late.count || g.early.bytes !== g.late.bytes)
    .sort((a, b) => b.late.bytes - b.early.bytes - (a.late.bytes - a.early.bytes));
}

export interface NewObjects {
  kind: string;
  count: number;
  bytes: number;
  /** "retainer kind label" → how many of these new objects it holds, most first. */
  retainers: [string, number][];
}

/** Objects in `late` whose ids `early` does not have, by kind, with what holds the top kinds. */
export function newObjects(early: HeapSnapshot, late: HeapSnapshot, top: number): NewObjects[] {
  const earlyIds = new Set<number>();
  for (let n = 0; n < early.count; n++) earlyIds.add(early.id(n));
  const byKind = new Map<string, { count: number; bytes: number; nodes: Set<number> }>();
  for (let n = 0; n < late.count; n++) {
    if (earlyIds.has(late.id(n))) continue;
    const kind = late.kind(n);
    const k = byKind.get(kind) ?? { count: 0, bytes: 0, nodes: new Set<number>() };
    k.count += 1;
    k.bytes += late.selfSize(n);
    k.nodes.add(n);
    byKind.set(kind, k);
  }
  const ranked = [...byKind.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  const watched = new Map<number, string>();
  for (const [kind, k] of ranked) for (const n of k.nodes) watched.set(n, kind);
  const retainers = new Map<string, Map<string, number>>();
  for (const [from, label, to] of late.edges()) {
    const kind = watched.get(to);
    if (kind === undefined) continue;
    const byRetainer = retainers.get(kind) ?? new Map<string, number>();
    const key = `${late.kind(from)} ${label}`;
    byRetainer.set(key, (byRetainer.get(key) ?? 0) + 1);
    retainers.set(kind, byRetainer);
  }
  return ranked.map(([kind, k]) => ({
    kind,
    count: k.count,
    bytes: k.bytes,
    retainers: [...(retainers.get(kind) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]).slice(0, 8),
  }));
}

const KB = 1024;

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
  const top = z.coerce.number().int().positive().parse(values.top);
  if (positionals.length !== 2) {
    console.error('Usage: node --import tsx scripts/bench/heapDiff.ts EARLY.heapsnapshot LATE.heapsnapshot [--top N]');
    process.exit(2);
  }
  const early = HeapSnapshot.read(positionals[0]!);
  const late = HeapSnapshot.read(positionals[1]!);
  const earlyTotals = totalsByKind(early);
  const lateTotals = totalsByKind(late);
  const sum = (t: Map<string, KindTotals>) => [...t.values()].reduce((s, x) => s + x.bytes, 0);
  console.log(`Heap: ${(sum(earlyTotals) / KB / KB).toFixed(1)} MB in ${early.count} objects early, ${(sum(lateTotals) / KB / KB).toFixed(1)} MB in ${late.count} late`);
  console.log('\nGrowth by kind (count early → late, own bytes early → late):');
  for (const g of growth(earlyTotals, lateTotals).slice(0, top)) {
    console.log(
      `  ${g.kind.padEnd(50)} ${String(g.early.count).padStart(9)} → ${String(g.late.count).padEnd(9)} ${(g.early.bytes / KB).toFixed(0).padStart(8)} → ${(g.late.bytes / KB).toFixed(0)} kB`,
    );
  }
  console.log('\nObjects new in the late snapshot, by kind, and what holds them:');
  for (const k of newObjects(early, late, top)) {
    console.log(`  ${k.kind}: ${k.count} objects, ${(k.bytes / KB).toFixed(0)} kB`);
    for (const [retainer, n] of k.retainers) console.log(`      ${String(n).padStart(8)}  held by ${retainer}`);
  }
}

if (require.main === module) main();
