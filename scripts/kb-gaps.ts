/**
 * npm run kb:gaps -- [--since DATE] [--json] [--draft CLUSTER_ID] [--out FILE]
 * What residents asked that the bot could not answer: the recorded questions grouped into
 * clusters of similar questions, most residents first, each with examples and the closest
 * existing entry; `--draft` writes a starter entry for one cluster. Reads the database the bot
 * uses (PostgreSQL at DATABASE_URL, or the SQLite file in PARLEY_DATA_DIR), also while the bot is
 * running.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { GENERAL_DEPARTMENT } from '../bot/conversation';
import { openBackend } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { draftYaml } from '../knowledge/gaps/draft';
import { MAX_QUESTIONS, reportGaps, type GapCluster, type GapReport } from '../knowledge/gaps/report';
import { SqlGapStore } from '../knowledge/gaps/store';
import { loadKnowledgeBase } from '../knowledge/loader';
import { Matcher } from '../knowledge/matcher';
import { calendarDate } from '../knowledge/schema';
import { loadWordVectors } from '../knowledge/wordVectors';
import { UsageError, writeOutput } from './cli';


const KIND_WORDS = { 'not-understood': 'not understood', 'none-of-these': 'none of these', 'not-helpful': 'not helpful' } as const;
/** Questions printed per cluster; --json has them all. */
const SHOWN = 3;

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        since: { type: 'string' },
        json: { type: 'boolean', default: false },
        draft: { type: 'string' },
        out: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { since, json, draft, out } = parsed.values;
  if (since !== undefined && !calendarDate.safeParse(since).success) {
    throw new UsageError(`--since: expected a date like 2026-11-01 (got "${since}")`);
  }
  if (draft !== undefined && json) throw new UsageError('--draft writes YAML: leave out --json');
  return { since, json, draft, out };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

function describe(report: GapReport): string[] {
  const { totals } = report;
  const lines = [
    `Knowledge gaps ${report.since ? `since ${report.since}` : 'so far'}: ${plural(totals.asked, 'question')} recorded, ${plural(totals.clusters, 'cluster')}` +
      (totals.notGrouped ? ` (${totals.notGrouped} not grouped: no words left once personal details were taken out, or more than ${MAX_QUESTIONS.toLocaleString('en-GB')} different questions)` : '') +
      '.',
  ];
  if (!report.clusters.length) {
    lines.push('', 'Nothing to show: the bot has answered every question recorded.');
    return lines;
  }
  for (const c of report.clusters) lines.push('', ...cluster(c));
  lines.push('', `Write a starter entry for a cluster: npm run kb:gaps -- --draft ${report.clusters[0]!.id}${report.since ? ` --since ${report.since}` : ''}`);
  return lines;
}

function cluster(c: GapCluster): string[] {
  const kinds = Object.entries(c.kinds)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${KIND_WORDS[kind as keyof typeof KIND_WORDS]}`)
    .join(', ');
  const lines = [`${c.rank}. ${c.id}: ${plural(c.residents, 'resident')}, asked ${times(c.asked)} (${kinds})`];
  for (const q of c.questions.slice(0, SHOWN)) lines.push(`   "${q.text}"${q.asked > 1 ? ` (${times(q.asked)})` : ''}`);
  if (c.questions.length > SHOWN) lines.push(`   and ${plural(c.questions.length - SHOWN, 'other question')}`);
  lines.push(c.closest ? `   Closest entry: ${c.closest.id} (${c.closest.title}), score ${c.closest.score.toFixed(3)}` : '   Closest entry: none shares any words');
  for (const a of c.answeredWith) lines.push(`   Did not help: ${a.id} (${a.title}), ${times(a.count)}`);
  return lines;
}

async function main(): Promise<void> {
  const { since, json, draft, out } = options();
  const config = loadConfig();
  if (!config.DATABASE_URL && !fs.existsSync(config.databaseFile)) {
    throw new Error(`No Parley database at ${config.databaseFile}. Set PARLEY_DATA_DIR to the folder the bot uses.`);
  }
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  let gaps;
  try {
    await migrateAll(backend.sql);
    gaps = await new SqlGapStore(backend.sql, { timeZone: config.PARLEY_TIMEZONE }).list({ since });
  } finally {
    await backend.close();
  }
  const kb = loadKnowledgeBase(config.knowledgeDir);
  const report = reportGaps(gaps, { kb, matcher: Matcher.build(kb, {}, loadWordVectors()) }, { since });

  let text: string;
  if (draft !== undefined) {
    const found = report.clusters.find((c) => c.id === draft);
    if (!found) {
      throw new Error(`No cluster "${draft}"${since ? ` since ${since}` : ''}. Run npm run kb:gaps${since ? ` -- --since ${since}` : ''} to see the clusters and their ids.`);
    }
    text = draftYaml(found, kb, { fallbackDepartment: GENERAL_DEPARTMENT });
  } else {
    text = json ? `${JSON.stringify(report)}\n` : `${describe(report).join('\n')}\n`;
  }
  writeOutput(text, out);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
