/**
 * Where a CPU profile's time went, by part of the system: the shares in docs/reliability.md.
 *
 *   node --import tsx scripts/bench/profileShares.ts FILE.cpuprofile [--last SECONDS]
 *
 * Each sample counts once, under the first part its stack names, looked for from the innermost
 * frame outwards: time in a SQLite statement called by the transcript store is SQLite's, time in
 * the transcript store's own code is the transcript's. `--last S` keeps only the last S seconds
 * (the measured phase of `npm run bench:load -- --cpu-prof DIR`, after start-up and warm-up).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** The parts, in the order they are tried on each frame. */
export const PARTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['garbage collection', /^\(garbage collector\)/],
  ['idle', /^\((idle|program)\)/],
  ['SQLite', /\/bot\/db\/|better-sqlite3/],
  ['transcript', /transcriptStore|transcriptLogger/],
  ['redaction', /\/handoff\/redact/],
  ['reporting and gaps', /\/handoff\/reporting\/|\/knowledge\/gaps\//],
  ['bot state', /stateStorage|botState|\/bot\/state/],
  ['knowledge (matcher, spelling, bin days)', /\/knowledge\//],
  ["botbuilder's HTTP clients", /botframework-connector|@azure|@typespec/],
  ['zod', /\/zod\//],
  ["Parley's other code", /\/bot\/|\/handoff\//],
  ['botbuilder', /botbuilder/],
  ['HTTP', /restify|node:_http|^writev|node:net|stream/],
];

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
export type CpuProfile = z.infer<typeof profileSchema>;

/** Share of the sampled time (0-1) by part, largest first; 'other' for stacks no part names. */
export function shares(profile: CpuProfile, lastSeconds?: number): Array<{ part: string; share: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const at: number[] = [];
  profile.timeDeltas.reduce((t, d, i) => (at[i] = t + d), 0);
  const end = at[at.length - 1] ?? 0;
  const from = lastSeconds === undefined ? -Infinity : end - lastSeconds * 1e6;

  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((leaf, i) => {
    if (at[i]! <= from) return;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    let part = 'other';
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const found = PARTS.find(([, pattern]) => pattern.test(`${frame.functionName} ${frame.url}`) || pattern.test(frame.url));
      if (found) {
        part = found[0];
        break;
      }
    }
    time.set(part, (time.get(part) ?? 0) + dt);
  });
  return [...time].map(([part, t]) => ({ part, share: total ? t / total : 0 })).sort((a, b) => b.share - a.share || a.part.localeCompare(b.part));
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { last: { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file) {
    console.error('Usage: node --import tsx scripts/bench/profileShares.ts FILE.cpuprofile [--last SECONDS]');
    process.exit(2);
  }
  const last = values.last === undefined ? undefined : z.coerce.number().positive().parse(values.last);
  for (const { part, share } of shares(profileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))), last)) {
    console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${part}`);
  }
}

if (require.main === module) main();
