/**
 * A throwaway PostgreSQL server for tests and CI (issue 10), made from the server binaries
 * Debian's `postgresql` package installs; nothing here is for production.
 *
 *   node --import tsx scripts/pg-cluster.ts start [DIR]   prints the superuser URL
 *   node --import tsx scripts/pg-cluster.ts stop DIR      stops it and removes DIR
 *
 * `start` makes a new cluster in DIR (a new temp folder when left out), trusting connections
 * from this machine only, with durability off (fsync, full page writes, synchronous commit: a
 * test database is thrown away, so speed wins), on a free port of 127.0.0.1.
 * Exit 0 when done, 1 when the binaries are missing or the server fails, 2 for a bad command line.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { z } from 'zod';
import { UsageError } from './cli';

const execFileAsync = promisify(execFile);

const SERVER_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'] as const;
const DEBIAN_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';
/** The file that says a folder is a cluster this module made, so `stop` never removes anything else. */
const MARKER = 'parley-pg-cluster.json';
const TEMP_PREFIX = 'parley-pg-';
const START_ATTEMPTS = 3;
const READY_WITHIN_MS = 30_000;

/** No folder with all of initdb, pg_ctl and postgres was found. */
export class PgBinariesMissingError extends Error {
  constructor(
    message: string,
    /** The folders looked in. */
    readonly searched: string[],
  ) {
    super(message);
    this.name = 'PgBinariesMissingError';
  }
}

/** A server program failed, or the server did not come up; `output` holds what it printed. */
export class PgClusterError extends Error {
  constructor(
    message: string,
    readonly dir: string,
    readonly output = '',
  ) {
    super(output === '' ? message : `${message}\n${output.trimEnd()}`);
    this.name = 'PgClusterError';
  }
}

export interface Cluster {
  /** The superuser's URL, `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  /** The folder holding the data, the socket and the server's log. */
  dir: string;
  /** Stops the server and removes `dir`. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where to make the cluster: a missing or empty folder. Default: a new temp folder. */
  dir?: string;
  /** Where PG_BIN is read from. */
  env?: NodeJS.ProcessEnv;
  /**
   * The process the cluster belongs to: when it has died, `reapAbandonedClusters` stops the
   * cluster. Leave out for a cluster meant to outlive its maker (the command line's `start`).
   */
  ownerPid?: number;
}

const markerSchema = z.object({
  url: z.string(),
  bin: z.string(),
  user: z.object({ name: z.string(), uid: z.number(), gid: z.number() }).nullable(),
  ownerPid: z.number().nullable(),
});
type Marker = z.infer<typeof markerSchema>;
type ServerUser = NonNullable<Marker['user']>;

/**
 * The folder of the server binaries: `PG_BIN` when set, else the newest version under
 * /usr/lib/postgresql (Debian's layout, several versions side by side).
 */
export function findServerBinaries(env: NodeJS.ProcessEnv = process.env): string {
  const hasAll = (dir: string) => SERVER_PROGRAMS.every((program) => isExecutable(path.join(dir, program)));
  const pgBin = env.PG_BIN;
  if (pgBin !== undefined && pgBin !== '') {
    if (hasAll(pgBin)) return pgBin;
    throw new PgBinariesMissingError(`PG_BIN is ${pgBin}, but that folder does not have all of ${SERVER_PROGRAMS.join(', ')}.`, [pgBin]);
  }
  const versions = fs.existsSync(DEBIAN_ROOT) ? fs.readdirSync(DEBIAN_ROOT).filter((name) => /^\d+(\.\d+)?$/.test(name)) : [];
  const candidates = versions.sort((a, b) => Number(b) - Number(a)).map((version) => path.join(DEBIAN_ROOT, version, 'bin'));
  const found = candidates.find(hasAll);
  if (found !== undefined) return found;
  throw new PgBinariesMissingError(
    `No PostgreSQL server binaries (${SERVER_PROGRAMS.join(', ')}) in ${DEBIAN_ROOT}/*/bin. Install them with "apt-get install postgresql" or set PG_BIN to their folder.`,
    candidates.length > 0 ? candidates : [`${DEBIAN_ROOT}/*/bin`],
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the `postgres`
 * user Debian's package makes, or as `nobody`. `null`: run as ourselves.
 */
function serverUser(dir: string): ServerUser | null {
  if (process.getuid?.() !== 0) return null;
  const users = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .map(([name, , uid, gid]) => ({ name: name ?? '', uid: Number(uid), gid: Number(gid) }));
  for (const wanted of ['postgres', 'nobody']) {
    const user = users.find((u) => u.name === wanted && Number.isInteger(u.uid) && Number.isInteger(u.gid));
    if (user !== undefined) return user;
  }
  throw new PgClusterError('Running as root, and there is no "postgres" or "nobody" user to run PostgreSQL as (it refuses to run as root).', dir);
}

function programOptions(dir: string, user: ServerUser | null) {
  // A clean environment: a PGPORT or PGDATA of the caller's must not steer the server programs.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
  return { cwd: dir, env, encoding: 'utf8' as const, ...(user !== null && { uid: user.uid, gid: user.gid }) };
}

async function run(bin: string, program: string, args: string[], dir: string, user: ServerUser | null): Promise<void> {
  try {
    await execFileAsync(path.join(bin, program), args, programOptions(dir, user));
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new PgClusterError(`${program} failed in ${dir}: ${(err as Error).message.split('\n')[0]}`, dir, `${stdout}${stderr}`);
  }
}

/** A port free on 127.0.0.1 now; another process may take it before the server does, so start retries. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function prepareDir(dir: string | undefined): string {
  if (dir === undefined) return fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  const resolved = path.resolve(dir);
  fs.mkdirSync(resolved, { recursive: true });
  if (fs.readdirSync(resolved).length > 0) throw new PgClusterError(`${resolved} is not empty: give a new or empty folder for the cluster.`, resolved);
  return resolved;
}

async function waitForConnections(url: string, dir: string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new PgClusterError(`PostgreSQL in ${dir} did not accept connections within ${READY_WITHIN_MS / 1000} s: ${(err as Error).message}`, dir, logTail(dir));
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function logTail(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'server.log'), 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** Makes a new cluster, starts it and waits until it accepts connections. */
export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  const bin = findServerBinaries(options.env);
  const dir = prepareDir(options.dir);
  try {
    const user = serverUser(dir);
    fs.chmodSync(dir, 0o700);
    if (user !== null) {
      fs.chownSync(dir, user.uid, user.gid);
      assertReachable(dir, user);
    }
    const dataDir = path.join(dir, 'data');
    await run(bin, 'initdb', ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync', '--no-instructions'], dir, user);
    // Trust, but only on this machine: the socket (in dir, which only the server user can enter) and 127.0.0.1.
    fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    fs.appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'max_connections = 200',
        'fsync = off',
        'full_page_writes = off',
        'synchronous_commit = off',
        '',
      ].join('\n'),
    );
    const url = await startOnFreePort(bin, dir, user);
    await waitForConnections(url, dir);
    const marker: Marker = { url, bin, user, ownerPid: options.ownerPid ?? null };
    fs.writeFileSync(path.join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    return { url, dir, stop: async () => stopCluster(dir) };
  } catch (err) {
    try {
      stopServer(bin, dir, serverUserOrNull(dir));
    } catch (stopErr) {
      // The start failure is the one to throw; this one is only logged so the leftover can be found.
      console.warn(`After a failed start, could not stop PostgreSQL in ${dir}: ${(stopErr as Error).message}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** initdb's own message for a folder the server's user cannot enter names a subfolder, not the cause. */
function assertReachable(dir: string, user: ServerUser): void {
  try {
    execFileSync('/bin/sh', ['-c', 'cd "$0"', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  } catch {
    throw new PgClusterError(`PostgreSQL runs as the user "${user.name}", who cannot enter ${dir}: choose a folder whose parent folders that user may enter (under /tmp, for example).`, dir);
  }
}

function serverUserOrNull(dir: string): ServerUser | null {
  try {
    return serverUser(dir);
  } catch {
    return null;
  }
}

async function startOnFreePort(bin: string, dir: string, user: ServerUser | null): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await run(bin, 'pg_ctl', ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port}`, 'start'], dir, user);
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    } catch (err) {
      const log = logTail(dir);
      const portTaken = /could not bind|Address already in use/.test(log);
      if (!portTaken || attempt >= START_ATTEMPTS) throw err instanceof PgClusterError ? new PgClusterError(err.message, dir, log) : err;
    }
  }
}

/**
 * Stops the server quickly (active sessions are rolled back) when it runs. Synchronous so that
 * an exit hook can call it. Throws when the server is still running after pg_ctl gave up.
 */
function stopServer(bin: string, dir: string, user: ServerUser | null): void {
  const dataDir = path.join(dir, 'data');
  if (!fs.existsSync(path.join(dataDir, 'postmaster.pid'))) return;
  try {
    execFileSync(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], { ...programOptions(dir, user), stdio: 'pipe' });
  } catch (err) {
    // pg_ctl also fails when the server had already died; only a server still running is an error.
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new PgClusterError(`pg_ctl could not stop PostgreSQL in ${dir}`, dir, `${stdout}${stderr}`);
    }
  }
}

function readMarker(dir: string): Marker {
  const file = path.join(dir, MARKER);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new PgClusterError(`${dir} is not a cluster made by scripts/pg-cluster.ts (no ${MARKER}); nothing was stopped or removed.`, dir);
  }
  const parsed = markerSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new PgClusterError(`${file} is not a valid cluster marker: ${parsed.error.message}`, dir);
  return parsed.data;
}

/** Stops the cluster in `dir` and removes the folder. Synchronous, so exit hooks can use it. */
export function stopCluster(dir: string): void {
  const resolved = path.resolve(dir);
  const marker = readMarker(resolved);
  stopServer(marker.bin, resolved, marker.user);
  fs.rmSync(resolved, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the temp-folder clusters whose owner process has died (a test run killed before its
 * teardown), so servers do not pile up on a shared machine. Returns the folders removed; a
 * cluster that cannot be stopped is reported through `warn` and left.
 */
export function reapAbandonedClusters(warn: (message: string) => void = console.warn): string[] {
  const reaped: string[] = [];
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const marker = readMarker(dir);
      if (marker.ownerPid === null || isAlive(marker.ownerPid)) continue;
      stopCluster(dir);
      reaped.push(dir);
    } catch (err) {
      // A folder still being made has no marker yet: not abandoned, leave it alone.
      if (err instanceof PgClusterError && !fs.existsSync(path.join(dir, MARKER))) continue;
      warn(`Could not stop the abandoned PostgreSQL cluster in ${dir}: ${(err as Error).message}`);
    }
  }
  return reaped;
}

const USAGE = 'Usage: node --import tsx scripts/pg-cluster.ts start [DIR] | stop DIR';

async function main(args: string[]): Promise<number> {
  const [command, dir, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
  if (command === 'start') {
    const cluster = await startCluster(dir === undefined ? {} : { dir });
    console.log(cluster.url);
    console.error(`PostgreSQL is running in ${cluster.dir}. Stop it with: node --import tsx scripts/pg-cluster.ts stop ${cluster.dir}`);
    return 0;
  }
  if (command === 'stop') {
    if (dir === undefined) throw new UsageError('stop needs the cluster folder that start printed.');
    stopCluster(dir);
    return 0;
  }
  throw new UsageError(command === undefined ? 'Give start or stop.' : `Unknown command "${command}".`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`${err.message}\n${USAGE}`);
        process.exitCode = 2;
      } else if (err instanceof PgBinariesMissingError || err instanceof PgClusterError) {
        console.error(err.message);
        process.exitCode = 1;
      } else {
        throw err;
      }
    },
  );
}
