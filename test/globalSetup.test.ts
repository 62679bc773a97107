import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { findServerBinaries } from '../scripts/pg-cluster';
import { tempDir } from './tempDb';

/**
 * The global setup, seen from outside: a jest of its own runs the two probe files in
 * fixtures/postgres-setup/ with this repository's setup and teardown, under the settings a
 * laptop, a laptop without PostgreSQL and CI would have.
 */
const REPO = path.join(__dirname, '..');
const hasBinaries = (() => {
  try {
    findServerBinaries();
    return true;
  } catch {
    return false;
  }
})();

interface ProbeRun {
  code: number | null;
  output: string;
  pid: number;
  results: { testResults: { assertionResults: { ancestorTitles: string[]; status: string }[] }[] };
  probes: Record<string, { pid: number; ppid: number; url: string }>;
}

/** Runs the probes in a child jest with `env` on top of this process's environment, less the run's own server. */
function runProbes(env: Record<string, string>): Promise<ProbeRun> {
  const out = tempDir('parley-probe-');
  // Transpiling without type-checking: the probes are type-checked with the rest by tsc, and a
  // child jest that checks types from a cold cache takes most of a minute on a busy machine.
  const tsconfig = path.join(out, 'tsconfig.json');
  fs.writeFileSync(tsconfig, JSON.stringify({ extends: path.join(REPO, 'tsconfig.json'), compilerOptions: { isolatedModules: true } }));
  const config = {
    rootDir: REPO,
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig }] },
    testEnvironment: 'node',
    roots: ['<rootDir>/test/fixtures/postgres-setup'],
    testMatch: ['**/*.probe.ts'],
    setupFiles: ['<rootDir>/test/setup-env.js'],
    globalSetup: '<rootDir>/test/globalSetup.ts',
    globalTeardown: '<rootDir>/test/globalTeardown.ts',
    // A fresh cache has no timings, so jest cannot decide the probes are fast and run them in
    // its own process: they must run in workers, the case the URL has to travel to.
    cacheDirectory: path.join(out, 'cache'),
  };
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PARLEY_TEST_DATABASE_URL', 'PARLEY_TEST_POSTGRES', 'PARLEY_TEST_POSTGRES_SKIPPED', 'PG_BIN', 'JEST_WORKER_ID']) delete childEnv[name];
  Object.assign(childEnv, env, { PROBE_OUT: out });
  const resultsFile = path.join(out, 'results.json');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--maxWorkers=2', '--json', `--outputFile=${resultsFile}`],
      { cwd: REPO, env: childEnv },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const probes: ProbeRun['probes'] = {};
      for (const name of ['one', 'two']) {
        const file = path.join(out, `${name}.json`);
        if (fs.existsSync(file)) probes[name] = JSON.parse(fs.readFileSync(file, 'utf8'));
      }
      const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { testResults: [] };
      resolve({ code, output, pid: child.pid as number, results, probes });
    });
  });
}

function statuses(run: ProbeRun): { suite: string; status: string }[] {
  return run.results.testResults
    .flatMap((file) => file.assertionResults.map((test) => ({ suite: test.ancestorTitles[0] ?? '', status: test.status })))
    .sort((a, b) => a.suite.localeCompare(b.suite));
}

async function refusesConnections(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

describe('the global PostgreSQL setup', () => {
  jest.setTimeout(120_000);

  (hasBinaries ? it : it.skip)('starts one server whose URL reaches every worker, and stops it at the end', async () => {
    const run = await runProbes({ PARLEY_TEST_POSTGRES: 'required' });
    expect(run.code).toBe(0);
    expect(statuses(run)).toEqual([
      { suite: 'probe one', status: 'passed' },
      { suite: 'probe two', status: 'passed' },
    ]);
    const { one, two } = run.probes;
    expect(one?.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(two?.url).toBe(one?.url);
    // Both ran in worker processes of that jest, not in jest's own process.
    for (const probe of [one, two]) {
      expect(probe?.ppid).toBe(run.pid);
      expect(probe?.pid).not.toBe(run.pid);
    }
    expect(await refusesConnections(one?.url as string)).toBe(true);
  });

  it('fails the run with the reason when PostgreSQL is required and its binaries are missing', async () => {
    const empty = tempDir('parley-probe-bin-');
    const run = await runProbes({ PARLEY_TEST_POSTGRES: 'required', PG_BIN: empty });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`PARLEY_TEST_POSTGRES=required, but PostgreSQL cannot run: PG_BIN is ${empty}, but that folder does not have all of initdb, pg_ctl, postgres.`);
    expect(statuses(run)).toEqual([]);
  });

  it('refuses a PARLEY_TEST_POSTGRES it does not know rather than guessing', async () => {
    const run = await runProbes({ PARLEY_TEST_POSTGRES: 'yes' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('PARLEY_TEST_POSTGRES must be "required", "off" or unset (got "yes").');
    expect(statuses(run)).toEqual([]);
  });

  it('skips the PostgreSQL suites with one line saying why when the binaries are missing and not required', async () => {
    const empty = tempDir('parley-probe-bin-');
    const run = await runProbes({ PG_BIN: empty });
    expect(run.code).toBe(0);
    const reason = `PG_BIN is ${empty}, but that folder does not have all of initdb, pg_ctl, postgres.`;
    expect(run.output.split('\n').filter((line) => line.includes('PostgreSQL'))).toEqual([`PostgreSQL tests will be skipped: ${reason}`]);
    expect(statuses(run)).toEqual([
      { suite: `probe one (skipped: ${reason})`, status: 'pending' },
      { suite: `probe two (skipped: ${reason})`, status: 'pending' },
    ]);
    expect(run.probes).toEqual({});
  });
});
