import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { migrateAll } from '../../bot/db/schemas';
import type { App } from '../../bot/index';
import type { GapReport } from '../../knowledge/gaps/report';
import { SqlGapStore, type NewGap } from '../../knowledge/gaps/store';
import { entrySchema } from '../../knowledge/schema';
import { startApp, testConfig, withSql } from '../app';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { describeInstances } from '../db/backends';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDir } from '../tempDb';

const root = path.resolve(__dirname, '..', '..');
/** Wednesday 25 November 2026, 10am: the bot's clock. */
const clock = new Date('2026-11-25T10:00:00Z');

/**
 * The script reads the SQLite file of a running bot: the app stays up, its connection open, while
 * kb:gaps runs beside it (WAL). Older questions are put in the store first; today's come through
 * the bot over HTTP.
 */
describe('npm run kb:gaps', () => {
  let app: App;
  let config: ReturnType<typeof testConfig>;

  function kbGaps(args: string[], dataDir = config.dataDir) {
    const run = spawnSync('node', ['--import', 'tsx', 'scripts/kb-gaps.ts', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  const json = (args: string[]) => {
    const run = kbGaps(['--json', ...args]);
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as GapReport;
  };

  beforeAll(async () => {
    config = testConfig();
    await withSql(config, async (sql) => {
      const gaps = new SqlGapStore(sql, { timeZone: config.PARLEY_TIMEZONE });
      const seed = (gap: NewGap, at: string) => gaps.record(gap, new Date(at));
      await seed({ kind: 'not-understood', question: 'parking permit for my street', conversationId: 'p1' }, '2026-10-20T09:00:00Z');
      await seed({ kind: 'not-understood', question: 'renew my parking permit', conversationId: 'p2' }, '2026-10-21T09:00:00Z');
      await seed({ kind: 'not-understood', question: 'how much is a resident parking permit', conversationId: 'p3' }, '2026-10-22T09:00:00Z');
      // Nothing left to group by once the email address was taken out.
      await seed({ kind: 'not-understood', question: '[email]', conversationId: 'x1' }, '2026-10-25T09:00:00Z');
      await seed({ kind: 'not-helpful', question: 'pay council tax with a credit card', entryId: 'council-tax-pay', conversationId: 't1' }, '2026-11-10T09:00:00Z');
      await seed({ kind: 'none-of-these', question: 'can I pay my council tax by card', conversationId: 't2' }, '2026-11-11T09:00:00Z');
    });
    const started = await startApp(config, { now: () => clock });
    app = started.app;
    for (const [conversation, words] of [
      ['c-1', 'can I rent an allotment plot'],
      ['c-2', 'allotment waiting list'],
    ]) {
      const replies = messageTexts(await repliesTo(started.url, residentMessage(words!, { conversation: conversation!, serviceUrl: 'http://localhost:9' })));
      expect(replies).toEqual([expect.stringMatching(/^Sorry, I don’t know the answer to that/)]);
    }
  }, 60_000);

  afterAll(() => app?.close());

  it('prints the clusters, most residents first, with examples and the closest entry', () => {
    const run = kbGaps([]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Knowledge gaps so far: 8 questions recorded, 3 clusters (1 not grouped: no words left once personal details were taken out, or more than 3,000 different questions).');
    const parking = lines.indexOf(lines.find((l) => l.startsWith('1. '))!);
    expect(lines.slice(parking, parking + 5)).toEqual([
      expect.stringMatching(/^1\. [a-z-]+-[0-9a-f]{6}: 3 residents, asked 3 times \(3 not understood\)$/),
      expect.stringMatching(/^ {3}"(parking permit for my street|renew my parking permit|how much is a resident parking permit)"$/),
      expect.stringMatching(/^ {3}"/),
      expect.stringMatching(/^ {3}"/),
      expect.stringMatching(/^ {3}Closest entry: [a-z-]+ \(.+\), score 0\.\d{3}$/),
    ]);
    expect(lines).toContainEqual(expect.stringMatching(/^2\. allotment-[a-z0-9-]+: 2 residents, asked twice \(2 not understood\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^3\. [a-z-]+-[0-9a-f]{6}: 2 residents, asked twice \(1 none of these, 1 not helpful\)$/));
    expect(lines).toContain('   Did not help: council-tax-pay (Pay your Council Tax), once');
    expect(lines.at(-1)).toMatch(/^Write a starter entry for a cluster: npm run kb:gaps -- --draft [a-z0-9-]+$/);
  });

  it('gives the same report as JSON, the same each time', () => {
    const report = json([]);
    expect(report.clusters.map((c) => [c.residents, c.asked, c.questions.map((q) => q.text).sort(), c.closest?.id])).toEqual([
      [3, 3, ['how much is a resident parking permit', 'parking permit for my street', 'renew my parking permit'], expect.any(String)],
      // Two residents each: the tie goes to the id, alphabetically.
      [2, 2, ['allotment waiting list', 'can I rent an allotment plot'], expect.any(String)],
      [2, 2, ['can I pay my council tax by card', 'pay council tax with a credit card'], 'council-tax-pay'],
    ]);
    expect(json([]).clusters.map((c) => c.id)).toEqual(report.clusters.map((c) => c.id));
  });

  it('--since leaves out what was asked before that day', () => {
    const report = json(['--since', '2026-11-11']);
    expect(report.since).toBe('2026-11-11');
    expect(report.clusters.map((c) => c.questions.map((q) => q.text).sort())).toEqual([['allotment waiting list', 'can I rent an allotment plot'], ['can I pay my council tax by card']]);
    expect(report.totals).toEqual({ asked: 3, clusters: 2, notGrouped: 0 });
  });

  it('--draft writes a starter entry for a cluster that validates against the schema but for its answer, to a file with --out', () => {
    const card = json([]).clusters.find((c) => c.closest?.id === 'council-tax-pay')!;
    const out = path.join(tempDir('parley-draft-'), 'draft.yaml');
    const run = kbGaps(['--draft', card.id, '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`Written to ${out}\n`);
    const yaml = fs.readFileSync(out, 'utf8');
    expect(yaml.split('\n')[0]).toBe(`# Draft entry from npm run kb:gaps, cluster "${card.id}":`);
    const [entry] = parse(yaml) as unknown[];
    const parsed = entrySchema.safeParse(entry);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({
      department: 'council-tax',
      answer: 'TODO',
      questions: expect.arrayContaining(['pay council tax with a credit card', 'can I pay my council tax by card']),
    });
    // To stdout without --out: the same text.
    expect(kbGaps(['--draft', card.id]).stdout).toBe(yaml);
  });

  it('says what is wrong: a bad date or option (exit 2), a cluster that is not there or no database (exit 1)', () => {
    expect(kbGaps(['--since', '1 November'])).toMatchObject({ status: 2, stderr: '--since: expected a date like 2026-11-01 (got "1 November")\n' });
    expect(kbGaps(['--draft', 'x', '--json'])).toMatchObject({ status: 2, stderr: '--draft writes YAML: leave out --json\n' });
    expect(kbGaps(['--colour'])).toMatchObject({ status: 2 });
    expect(kbGaps(['--draft', 'no-such-cluster-000000', '--since', '2026-11-01'])).toMatchObject({
      status: 1,
      stderr: 'No cluster "no-such-cluster-000000" since 2026-11-01. Run npm run kb:gaps -- --since 2026-11-01 to see the clusters and their ids.\n',
    });
    const empty = tempDir('parley-nodata-');
    expect(kbGaps([], empty)).toMatchObject({ status: 1, stderr: `No Parley database at ${path.join(empty, 'parley.sqlite')}. Set PARLEY_DATA_DIR to the folder the bot uses.\n` });
  });
});

describeInstances('npm run kb:gaps on PostgreSQL', (fresh) => {
  it('reads the questions from DATABASE_URL, with no SQLite file at all', async () => {
    const backend = await fresh();
    await migrateAll(backend.sql);
    const gaps = new SqlGapStore(backend.sql, { timeZone: 'Europe/London' });
    await gaps.record({ kind: 'not-understood', question: 'parking permit for my street', conversationId: 'p1' }, new Date('2026-10-20T09:00:00Z'));
    await gaps.record({ kind: 'not-understood', question: 'renew my parking permit', conversationId: 'p2' }, new Date('2026-10-21T09:00:00Z'));
    const run = spawnSync('node', ['--import', 'tsx', 'scripts/kb-gaps.ts', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_DATA_DIR: tempDir('parley-nodata-'), PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, DATABASE_URL: backend.url },
    });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as GapReport;
    expect(report.totals).toMatchObject({ asked: 2, clusters: 1 });
    expect(report.clusters[0]).toMatchObject({ residents: 2, asked: 2 });
  });
});
