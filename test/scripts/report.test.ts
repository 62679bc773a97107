import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../bot/config';
import type { App } from '../../bot/index';
import type { Figures } from '../../handoff/reporting/figures';
import { migrateAll } from '../../bot/db/schemas';
import type { SqlValue } from '../../knowledge/sql';
import { startApp, testConfig, withSql } from '../app';
import { describeInstances } from '../db/backends';
import { FIXTURE_KB } from '../fixtureKb';
import { call, login } from '../handoff/consoleClient';
import { addAgents, PERIOD, playScenario, REPORT_TIME, SAM, SCENARIO_ENV } from '../handoff/reporting/scenario';
import { startStandInChannel, type StandInChannel } from '../handoff/standInChannel';
import { tempDir } from '../tempDb';

const root = path.resolve(__dirname, '..', '..');

/**
 * npm run report reads the SQLite file of a running bot: the reporting tests' conversations are
 * played through the app, which stays up while the script runs beside it.
 */
describe('npm run report', () => {
  let app: App;
  let url: string;
  let config: Config;
  let channel: StandInChannel;
  let clock = new Date('2026-11-22T12:00:00Z');

  function report(args: string[], env: NodeJS.ProcessEnv = {}) {
    const run = spawnSync('node', ['--import', 'tsx', 'scripts/report.ts', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_DATA_DIR: config.dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, ...env },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }
  const period = ['--from', PERIOD.from, '--to', PERIOD.to];

  beforeAll(async () => {
    channel = await startStandInChannel();
    config = testConfig(SCENARIO_ENV);
    await addAgents(config);
    ({ app, url } = await startApp(config, { now: () => clock }));
    await playScenario({ url, serviceUrl: channel.serviceUrl, setClock: (at) => (clock = at) });
    clock = REPORT_TIME;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await channel?.close();
  });

  it('prints the same figures as the console API with --format json', async () => {
    const run = report([...period, '--format', 'json']);
    expect(run.status).toBe(0);
    const sam = await login(url, SAM.name, SAM.password);
    const api = await call(url, sam, 'GET', `/api/console/report?from=${PERIOD.from}&to=${PERIOD.to}`);
    const printed = JSON.parse(run.stdout) as Figures;
    expect(printed).toEqual(api.body);
    expect(printed.conversations.started).toBe(14);
  });

  it('prints a Markdown report by default', () => {
    const run = report(period);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('# Parley report: All departments, Monday 23 November 2026 to Tuesday 24 November 2026');
    expect(lines).toEqual(
      expect.arrayContaining([
        '| Conversations | 14 |',
        '| Contained by the bot | 21.4% (3) |',
        '| Handed to a person | 64.3% (9) |',
        '| Not understood | 12.5% (2) |',
        '| Wait before pick-up | 3 min 30 s median, 90% within 5 min |',
        '| Handling time | 14 min median, 90% within 30 min |',
        '| Average rating | 3.5 out of 5 (2 ratings) |',
        '| Messages left | 2 (1 answered, 1 open) |',
        '| Time to reply to a message | 1 h 30 min median, 90% within 1 h 30 min |',
        '| Asked for a person | 7 | 7 | 0 | 50% |',
        '| Find your bin collection day | bins-collection-day | 0 | 1 | 0% |',
        '| Ann Smith | 5 | 4 | 14 min | 30 min | 3.5 (2) | 2 | 1.2 |',
        '| Monday | 09:00 | 6 | 4 |',
        '| Total | £13.00 |',
      ]),
    );
  });

  it('names the department and narrows to it', () => {
    const run = report([...period, '--department', 'waste']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('# Parley report: Waste and Recycling, Monday 23 November 2026 to Tuesday 24 November 2026');
    expect(run.stdout).toContain('| Conversations | 3 |');
  });

  it('writes one CSV file per table, each row with the period and department', () => {
    const folder = path.join(tempDir('parley-report-'), 'csv');
    const run = report([...period, '--format', 'csv', '--out', folder]);
    expect(run.status).toBe(0);
    expect(fs.readdirSync(folder).sort()).toEqual([
      'agents.csv',
      'busiest-hours.csv',
      'daily.csv',
      'feedback.csv',
      'handoff-reasons.csv',
      'handoff-unavailable.csv',
      'left-messages.csv',
      'ratings.csv',
      'summary.csv',
      'top-entries.csv',
    ]);
    const read = (name: string) => fs.readFileSync(path.join(folder, name), 'utf8').split('\r\n');
    expect(read('daily.csv')).toEqual([
      'period_from,period_to,department,date,conversations,contained,containment_rate',
      `2026-11-23,2026-11-24,,2026-11-23,9,2,${2 / 9}`,
      '2026-11-23,2026-11-24,,2026-11-24,5,1,0.2',
      '',
    ]);
    const summary = read('summary.csv');
    expect(summary).toEqual(expect.arrayContaining(['2026-11-23,2026-11-24,,conversations,14', '2026-11-23,2026-11-24,,wait_median_seconds,210', '2026-11-23,2026-11-24,,saving_total,13']));
    expect(read('agents.csv')[1]).toBe(`2026-11-23,2026-11-24,,1,Ann Smith,5,4,840,1800,2,3.5,2,${67 / 57}`);
    const hours = read('busiest-hours.csv');
    expect(hours).toHaveLength(1 + 7 * 24 + 1);
    expect(hours).toContain('2026-11-23,2026-11-24,,Monday,9,6,4');
    expect(read('top-entries.csv')[1]).toBe('2026-11-23,2026-11-24,,human,Talk to a person,7');
  });

  it('writes Markdown or JSON to a file with --out', () => {
    const file = path.join(tempDir('parley-report-'), 'report.md');
    const run = report([...period, '--out', file]);
    expect(run).toMatchObject({ status: 0, stdout: '', stderr: `Written to ${file}\n` });
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^# Parley report: All departments/);
  });

  it.each([
    [[], 'Give the period: --from'],
    [['--from', '2026-11-24', '--to', '2026-11-23'], '--to: must not be before from'],
    [['--from', '2026-11-23', '--to', '2026-11-24', '--format', 'pdf'], '--format: expected md, csv or json (got "pdf")'],
    [['--from', '2026-11-23', '--to', '2026-11-24', '--format', 'csv'], '--format csv writes one file per table: name a folder with --out'],
    [['--from', '2026-11-23', '--to', '2026-11-24', '--department', 'parks'], '--department: there is no department "parks"'],
  ])('refuses %j with exit code 2', (args, message) => {
    const run = report(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('says where it looked when there is no database', () => {
    const empty = tempDir('parley-report-');
    const run = report(period, { PARLEY_DATA_DIR: empty });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`No Parley database at ${path.join(empty, 'parley.sqlite')}. Set PARLEY_DATA_DIR to the folder the bot uses.\n`);
  });

  describeInstances('the same events on PostgreSQL', (fresh) => {
    it('gives the same figures from DATABASE_URL (officers by id only, until the agents move to PostgreSQL)', async () => {
      const backend = await fresh();
      await migrateAll(backend.sql);
      // The scenario's events and hash key, moved across as db:copy moves them.
      const [events, keys] = await withSql(config, async (sql) => [await sql.all<Record<string, SqlValue>>('SELECT * FROM report_events'), await sql.all<Record<string, SqlValue>>('SELECT * FROM report_events_key')]);
      expect(events.length).toBeGreaterThan(80);
      for (const row of events) {
        await backend.sql.run('INSERT INTO report_events (id, at, type, conversation, escalation, department, data) VALUES (@id, @at, @type, @conversation, @escalation, @department, @data)', row);
      }
      for (const row of keys) await backend.sql.run('INSERT INTO report_events_key (key) VALUES (@key)', row);

      const onSqlite = JSON.parse(report([...period, '--format', 'json']).stdout) as Figures;
      const run = report([...period, '--format', 'json'], { DATABASE_URL: backend.url, PARLEY_DATA_DIR: tempDir('parley-nodata-') });
      expect(run.stderr).toBe('');
      const onPostgres = JSON.parse(run.stdout) as Figures;
      expect(onSqlite.agents.some((a) => a.name !== null)).toBe(true);
      expect(onPostgres).toEqual({ ...onSqlite, agents: onSqlite.agents.map((a) => ({ ...a, name: null })) });
    });
  });
});
