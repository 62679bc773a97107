import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { findServerBinaries, PgBinariesMissingError, PgClusterError, reapAbandonedClusters, startCluster } from '../../scripts/pg-cluster';
import { tempDir } from '../tempDb';

/**
 * The throwaway PostgreSQL server the tests and CI use: made, reachable, and gone after stop.
 * Needs the server binaries; without them only the missing-binaries cases run.
 */
const missingBinaries = (() => {
  try {
    findServerBinaries();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
})();
const withBinaries = missingBinaries === undefined ? describe : describe.skip;
const REPO = path.join(__dirname, '..', '..');

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs the command line; resolves with its exit code and output. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/pg-cluster.ts', ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

withBinaries(`a throwaway PostgreSQL cluster${missingBinaries === undefined ? '' : ` (skipped: ${missingBinaries})`}`, () => {
  it('accepts connections on 127.0.0.1 as the superuser, keeps a table, and is gone after stop', async () => {
    const cluster = await startCluster();
    expect(cluster.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    // PostgreSQL refuses to run as root, so as root the folder belongs to the server's user.
    if (process.getuid?.() === 0) expect(fs.statSync(cluster.dir).uid).not.toBe(0);

    await query(cluster.url, 'CREATE TABLE residents (id integer PRIMARY KEY, name text)');
    await query(cluster.url, "INSERT INTO residents VALUES (1, 'Ann')");
    expect(await query(cluster.url, 'SELECT name FROM residents')).toEqual([{ name: 'Ann' }]);
    expect(await query(cluster.url, 'SHOW max_connections')).toEqual([{ max_connections: '200' }]);
    expect(await query(cluster.url, 'SHOW listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
    expect(await query(cluster.url, 'SHOW fsync')).toEqual([{ fsync: 'off' }]);

    await cluster.stop();
    expect(fs.existsSync(cluster.dir)).toBe(false);
    await expect(query(cluster.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('starts from the command line, printing the URL, and stop removes the folder', async () => {
    const parent = tempDir('pg-cluster-test-cli-');
    // As root the server runs as another user, who must be able to enter the parent folder.
    fs.chmodSync(parent, 0o755);
    const dir = path.join(parent, 'cluster');
    const started = await cli('start', dir);
    expect(started.code).toBe(0);
    const url = started.stdout.trim();
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(started.stderr).toContain(`stop ${dir}`);
    expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const stopped = await cli('stop', dir);
    expect(stopped.code).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stops a cluster whose owner process has died, and leaves a living owner\'s cluster running', async () => {
    const deadPid = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid as number));
    });
    const abandoned = await startCluster({ ownerPid: deadPid });
    const owned = await startCluster({ ownerPid: process.pid });
    try {
      expect(reapAbandonedClusters()).toContain(abandoned.dir);
      expect(fs.existsSync(abandoned.dir)).toBe(false);
      await expect(query(abandoned.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
      expect(await query(owned.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await owned.stop();
    }
  });

  it('refuses a folder that is not empty, and leaves it as it was', async () => {
    const dir = tempDir('pg-cluster-test-full-');
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const started = startCluster({ dir });
    await expect(started).rejects.toBeInstanceOf(PgClusterError);
    await expect(started).rejects.toThrow(`${dir} is not empty`);
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  // Only root hands the server to another user.
  (process.getuid?.() === 0 ? it : it.skip)('as root, says when the server\'s user cannot enter the folder', async () => {
    const dir = path.join(tempDir('pg-cluster-test-closed-'), 'cluster');
    await expect(startCluster({ dir })).rejects.toThrow(/^PostgreSQL runs as the user "(postgres|nobody)", who cannot enter .*cluster: choose a folder/);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('pg-cluster without the server binaries or a cluster', () => {
  it('says which folder lacks the binaries when PG_BIN points at an empty one', async () => {
    const empty = tempDir('pg-cluster-test-bin-');
    const started = startCluster({ env: { PG_BIN: empty } });
    await expect(started).rejects.toBeInstanceOf(PgBinariesMissingError);
    await expect(started).rejects.toMatchObject({
      searched: [empty],
      message: `PG_BIN is ${empty}, but that folder does not have all of initdb, pg_ctl, postgres.`,
    });
  });

  it('exits 1 with that message from the command line', async () => {
    const empty = tempDir('pg-cluster-test-bin-');
    const child = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const run = spawn(process.execPath, ['--import', 'tsx', 'scripts/pg-cluster.ts', 'start'], { cwd: REPO, env: { ...process.env, PG_BIN: empty } });
      let stderr = '';
      run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      run.on('close', (code) => resolve({ code, stderr }));
    });
    expect(child.code).toBe(1);
    expect(child.stderr.trim()).toBe(`PG_BIN is ${empty}, but that folder does not have all of initdb, pg_ctl, postgres.`);
  });

  it('refuses to stop and remove a folder it did not make', async () => {
    const dir = tempDir('pg-cluster-test-not-');
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const stopped = await cli('stop', dir);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr.trim()).toBe(`${dir} is not a cluster made by scripts/pg-cluster.ts (no parley-pg-cluster.json); nothing was stopped or removed.`);
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('answers a bad command line with its usage and exit 2', async () => {
    const run = await cli('stop');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('stop needs the cluster folder that start printed.\nUsage: node --import tsx scripts/pg-cluster.ts start [DIR] | stop DIR\n');
  });
});
