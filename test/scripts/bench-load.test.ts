import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { shares } from '../../scripts/bench-load';
import { HeapSnapshot } from '../../scripts/bench/heapDiff';
import { withSearchPath } from '../../scripts/bench/loadDatabase';
import { percentile, slopeMbPerMin } from '../../scripts/bench/loadStats';
import { describeWithPostgres, freshPostgresDatabase } from '../postgres';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the bench as `npm run bench:load` would, and collects its output; DATABASE_URL only when given. */
function benchLoad(args: string[], databaseUrl?: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', ...extraEnv };
  delete env.DATABASE_URL;
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench-load.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench:load', () => {
  it('drives real conversations against Parley and the echo bot and prints the figures as one JSON object, with no errors', async () => {
    const run = await benchLoad(['--conversations', '4', '--duration', '2', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const key of ['turnsPerSec', 'echoTurnsPerSec', 'ratio', 'p99Ms', 'errors', 'rssMb', 'rssSlopeMbPerMin', 'rssSlopeLateMbPerMin', 'rssLateBytesPerTurn']) {
      expect(typeof report[key]).toBe('number');
    }
    expect(report.errors).toBe(0);
    expect(report.turnsPerSec).toBeGreaterThan(0);
    expect(report.echoTurnsPerSec).toBeGreaterThan(0);
    // One instance on SQLite by default, its own figures the totals.
    expect(report.instances).toBe(1);
    expect(report.database).toBe('sqlite');
    expect((report.perInstance as { messages: { turns: number } }[]).map((x) => x.messages.turns)).toEqual([(report.messages as { turns: number }).turns]);
    expect(report.rssMb).toBeGreaterThan(0);
    // The Direct Line residents got replies to their messages too.
    expect((report.directLine as { turns: number }).turns).toBeGreaterThan(0);
    // The shipped knowledge base has questions it answers with "did you mean", and the bench found them.
    expect(report.didYouMeanQuestions).toBeGreaterThan(0);
  }, 180_000);

  it("with --memory-log and --node-arg, Parley's process logs its memory and takes the heap snapshots asked for", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-memory-'));
    try {
      const log = path.join(dir, 'memory.jsonl');
      const run = await benchLoad(
        ['--conversations', '2', '--duration', '2', '--skip-echo', '--skip-direct-line', '--json', '--memory-log', log, '--node-arg=--expose-gc'],
        undefined,
        { PARLEY_BENCH_MEMORY_EVERY: '0.5', PARLEY_BENCH_HEAP_SNAPSHOTS: '0' },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(1);
      for (const key of ['t', 'rssMb', 'heapTotalMb', 'heapUsedMb', 'externalMb', 'arrayBuffersMb', 'anonMb', 'fileMb']) expect(typeof lines[0]![key]).toBe('number');
      // --expose-gc reached the server: each sample follows a full collection.
      expect(lines.every((l) => l.collected === true)).toBe(true);
      expect(HeapSnapshot.read(path.join(dir, 'heap-0s.heapsnapshot')).count).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a bad command line with exit 2 and the usage', async () => {
    const run = await benchLoad(['--conversations', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--conversations');
    expect(run.stderr).toContain('Usage: npm run bench:load');
  }, 60_000);

  it('refuses several instances without DATABASE_URL, since SQLite serves one process', async () => {
    const run = await benchLoad(['--instances', '2', '--conversations', '4', '--duration', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--instances 2 needs DATABASE_URL=postgres://');
    expect(run.stderr).toContain('Usage: npm run bench:load');
    expect(run.stdout).toBe('');
  }, 60_000);

  it('refuses a DATABASE_URL that is not PostgreSQL, and fewer residents than instances', async () => {
    const mysql = await benchLoad(['--conversations', '4'], 'mysql://localhost/parley');
    expect(mysql.code).toBe(2);
    expect(mysql.stderr).toContain('DATABASE_URL: expected a postgres://');
    const few = await benchLoad(['--instances', '3', '--conversations', '2'], 'postgres://127.0.0.1:1/none');
    expect(few.code).toBe(2);
    expect(few.stderr).toContain('--conversations: at least one per instance');
  }, 60_000);

  it('says in one line when the PostgreSQL server in DATABASE_URL cannot be reached, and exits 1', async () => {
    const run = await benchLoad(['--skip-echo', '--conversations', '2', '--duration', '1'], 'postgres://bench:secret@127.0.0.1:1/parley');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^Cannot connect to the PostgreSQL server in DATABASE_URL \(postgres:\/\/bench:\*\*\*@127\.0\.0\.1:1\/parley\): .*ECONNREFUSED/);
    expect(run.stderr).not.toContain('secret');
  }, 60_000);
});

describeWithPostgres('npm run bench:load --instances on PostgreSQL', () => {
  it('spreads the residents over two instances sharing one database, both serve turns with no errors, and the run leaves no schema behind', async () => {
    const database = await freshPostgresDatabase();
    try {
      const run = await benchLoad(['--instances', '2', '--conversations', '4', '--duration', '2', '--skip-echo', '--json'], database.url);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        instances: number;
        database: string;
        errors: number;
        turnsPerSec: number;
        messages: { turns: number };
        directLine: { turns: number };
        perInstance: { instance: number; conversations: number; errors: number; rssMb: number; messages: { turns: number }; directLine: { turns: number } }[];
      };
      expect(report.instances).toBe(2);
      expect(report.database).toBe('postgres');
      expect(report.errors).toBe(0);
      expect(report.perInstance.map((x) => [x.instance, x.conversations])).toEqual([[1, 2], [2, 2]]);
      for (const x of report.perInstance) {
        expect(x.messages.turns).toBeGreaterThan(0);
        expect(x.directLine.turns).toBeGreaterThan(0);
        expect(x.errors).toBe(0);
        expect(x.rssMb).toBeGreaterThan(0);
      }
      // The totals are the instances' together.
      expect(report.messages.turns).toBe(report.perInstance[0]!.messages.turns + report.perInstance[1]!.messages.turns);
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const left = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_load_%'");
        expect(left.rows).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  }, 180_000);
});

describe('load figures', () => {
  it('takes the nearest-rank percentile', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile([], 99)).toBe(0);
  });

  it('gives each instance an even share of the residents, the first ones the remainder', () => {
    expect(shares(100, 1)).toEqual([100]);
    expect(shares(100, 2)).toEqual([50, 50]);
    expect(shares(7, 3)).toEqual([3, 2, 2]);
  });

  it("points a PostgreSQL URL's connections at the run's schema, keeping its other options", () => {
    const url = new URL(withSearchPath('postgres://u:p@db.example:5432/parley?sslmode=require', 'bench_load_x'));
    expect(url.searchParams.get('options')).toBe('-c search_path=bench_load_x');
    expect(url.searchParams.get('sslmode')).toBe('require');
    const again = new URL(withSearchPath(url.toString(), 'bench_load_y'));
    expect(again.searchParams.get('options')).toBe('-c search_path=bench_load_y');
    const withLogging = new URL(withSearchPath('postgres://db.example/parley?options=-c%20log_statement%3Dall', 'bench_load_z'));
    expect(withLogging.searchParams.get('options')).toBe('-c log_statement=all -c search_path=bench_load_z');
  });

  it('gives the memory slope in MB per minute, and 0 when flat', () => {
    expect(slopeMbPerMin([{ t: 0, mb: 100 }, { t: 30, mb: 101 }, { t: 60, mb: 102 }])).toBeCloseTo(2);
    expect(slopeMbPerMin([{ t: 0, mb: 100 }, { t: 60, mb: 100 }])).toBe(0);
    expect(slopeMbPerMin([{ t: 0, mb: 100 }])).toBe(0);
  });
});
