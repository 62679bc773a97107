/**
 * npm run audit:deps -- [--json]
 *
 * `npm audit --omit=dev` (the packages a council installs to run Parley), said plainly: each high
 * or critical advisory with the package, the range affected and whether `npm audit fix` can mend
 * it. Exit 0: audited, nothing high or critical; 1: something high or critical; 3: not audited
 * (the registry did not answer the audit, as the mirror on the build machine answers 405), so no
 * verdict either way, and it says so. SECURITY.md records the last result.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
const BLOCKING = new Set<string>(['high', 'critical']);

// npm 7+ (`auditReportVersion` 2). Only what the summary reads; npm adds more.
const report = z.looseObject({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(
    z.string(),
    z.looseObject({
      name: z.string(),
      severity: z.enum(SEVERITIES),
      isDirect: z.boolean(),
      range: z.string(),
      fixAvailable: z.union([z.boolean(), z.looseObject({ name: z.string(), version: z.string() })]),
    }),
  ),
  metadata: z.looseObject({ vulnerabilities: z.looseObject(Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int().min(0)])) as Record<(typeof SEVERITIES)[number], z.ZodNumber>) }),
});
// What npm prints with --json when the audit request itself failed.
const failure = z.looseObject({ message: z.string(), statusCode: z.number().optional() });

export type AuditVerdict =
  | { kind: 'audited'; counts: Record<(typeof SEVERITIES)[number], number>; blocking: string[] }
  | { kind: 'not-audited'; reason: string };

/** Reads `npm audit --json` output; throws if it is neither a report nor npm's error. */
export function verdict(json: string): AuditVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`npm audit printed something that is not JSON: ${json.slice(0, 200)}`);
  }
  const r = report.safeParse(parsed);
  if (r.success) {
    const blocking = Object.values(r.data.vulnerabilities)
      .filter((v) => BLOCKING.has(v.severity))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((v) => `${v.severity}: ${v.name} ${v.range}${v.isDirect ? ' (a direct dependency)' : ''}; ${fixText(v.fixAvailable)}`);
    return { kind: 'audited', counts: r.data.metadata.vulnerabilities, blocking };
  }
  const f = failure.safeParse(parsed);
  if (f.success) return { kind: 'not-audited', reason: f.data.message };
  throw new Error(`npm audit printed JSON of a shape this script does not know: ${r.error.issues[0]?.message ?? ''}`);
}

function fixText(fix: boolean | { name: string; version: string }): string {
  if (fix === true) return '`npm audit fix` mends it';
  if (fix === false) return 'no fix available yet';
  return `fixed by ${fix.name}@${fix.version} (a major upgrade)`;
}

function main(): void {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const npm = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' });
  if (npm.error) throw npm.error;
  const v = verdict(npm.stdout);
  if (values.json) console.log(JSON.stringify(v));
  else if (v.kind === 'not-audited') console.log(`npm audit --omit=dev could not be run here: ${v.reason}. No verdict either way.`);
  else {
    const counts = SEVERITIES.map((s) => `${v.counts[s]} ${s}`).join(', ');
    console.log(`npm audit --omit=dev: ${counts}.`);
    for (const line of v.blocking) console.log(`  ${line}`);
  }
  process.exitCode = v.kind === 'not-audited' ? 3 : v.blocking.length > 0 ? 1 : 0;
}

if (require.main === module) main();
