/**
 * npm run crash:test -- [--kills N] [--seed S] [--knowledge DIR] [--json]
 *
 * Starts Parley as its own process on a new data folder, drives residents who join the queue,
 * chat with a duty officer and leave messages, and kills the server with SIGKILL at random
 * moments, starting it again each time. After every kill it checks the SQLite file against a
 * ledger of every write the server acknowledged (a 2xx the client received): escalations, places
 * in the queue, pick-ups and closes, transcripts, live messages, left messages, agent sessions.
 * It ends with a SIGTERM, which must exit 0. Exit 1 when anything acknowledged was lost or
 * duplicated, 2 for a bad command line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openDatabase } from '../bot/db';
import { SqliteAgentStore } from '../handoff/agents';
import { alwaysOpen } from './crash/alwaysOpen';
import { Driver, StepFailed, startChannel, type Agent } from './crash/driver';
import { KINDS, Ledger, type Figures } from './crash/ledger';
import { seeded } from './crash/random';
import { startServer, type ServerProcess } from './crash/server';

const FIXTURE_KB = path.resolve(__dirname, '..', 'test', 'fixtures', 'kb', 'valid');
const AGENT = { name: 'Crash Test Officer', password: 'crash-test-password-1', department: 'customer-services' };

const optionsSchema = z.object({
  kills: z.coerce.number().int().min(1).default(20),
  seed: z.coerce.number().int().min(0).default(() => Math.floor(Math.random() * 2 ** 31)),
  knowledge: z.string().min(1).default(FIXTURE_KB),
  /** The shortest and longest time the server runs before it is killed. */
  minUpMs: z.coerce.number().int().min(0).default(300),
  maxUpMs: z.coerce.number().int().min(1).default(3000),
});
export type CrashTestOptions = z.input<typeof optionsSchema>;

export interface CrashTestResult extends Figures {
  kills: number;
  seed: number;
  conversations: number;
  /** How the final SIGTERM ended the process: 0 is a clean shutdown. */
  shutdownExit: number | string;
}

export async function runCrashTest(input: CrashTestOptions = {}, log: (line: string) => void = () => undefined): Promise<CrashTestResult> {
  const options = optionsSchema.parse(input);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-crash-'));
  const dataDir = path.join(work, 'data');
  const env = {
    PARLEY_DATA_DIR: dataDir,
    PARLEY_KNOWLEDGE_DIR: alwaysOpen(options.knowledge, path.join(work, 'knowledge')),
    PARLEY_KNOWLEDGE_RELOAD: 'off',
    // Nothing should move chats behind the test's back: no grace sweep, no "queue full".
    PARLEY_AGENT_GRACE_SECONDS: '86400',
    PARLEY_CHATS_PER_AGENT: '100000',
    PARLEY_MAX_WAIT_MINUTES: '10000000',
  };
  const databaseFile = path.join(dataDir, 'parley.sqlite');
  // The officer is added through the store before the first start, as `npm run agents` does.
  const db = openDatabase(databaseFile);
  new SqliteAgentStore(db).add({ name: AGENT.name, departments: [AGENT.department], password: AGENT.password }, new Date());
  db.close();

  const ledger = new Ledger();
  const kills = seeded(options.seed);
  const channel = await startChannel();
  const driver = new Driver(ledger, seeded(options.seed + 1), channel.serviceUrl, `s${options.seed}`);
  let agent: Agent | undefined;
  let figures: Figures;
  let server: ServerProcess | undefined;
  let visits = 0;

  /** Brings the officer back on duty after a start: signed in once, then the same session throughout. */
  const onDuty = async (url: string) => {
    agent ??= await driver.signIn(url, AGENT.name, AGENT.password);
    await driver.console(url, agent, 'POST', '/api/console/status', { status: 'available', departments: [AGENT.department] });
    return driver.connect(url, agent);
  };

  try {
    for (let k = 1; k <= options.kills; k++) {
      server = await startServer(env);
      const upFor = kills.between(options.minUpMs, options.maxUpMs);
      let killed = false;
      const driving = (async () => {
        const stream = await onDuty(server!.url);
        while (!killed) {
          try {
            visits++;
            await driver.visit(server!.url, agent!);
          } catch (err) {
            // The kill cut a step short: expected. Anything else, while the server is up, is a fault.
            if (!(err instanceof StepFailed) || !killed) throw err;
          }
        }
        stream.abort();
      })().catch((err: unknown) => {
        if (!killed) throw err;
      });
      await new Promise((resolve) => setTimeout(resolve, upFor));
      killed = true;
      server.child.kill('SIGKILL');
      await server.exited;
      await driving;
      figures = checkAgainst(databaseFile, ledger);
      log(`kill ${k}/${options.kills} after ${upFor} ms: ${ledger.facts.length} acknowledged writes, ${sum(figures.lost)} lost, ${sum(figures.duplicated)} duplicated`);
    }

    // Last start: the session still works over HTTP, then a clean SIGTERM.
    server = await startServer(env);
    await driver.console(server.url, agent!, 'GET', '/api/console/queue');
    server.child.kill('SIGTERM');
    const shutdownExit = await server.exited;
    figures = checkAgainst(databaseFile, ledger);
    // A clean run leaves nothing behind; a failed one keeps its data folder to look into.
    if (figures.problems.length === 0 && shutdownExit === 0) fs.rmSync(work, { recursive: true, force: true });
    else log(`data kept in ${work}`);
    return { ...figures, kills: options.kills, seed: options.seed, conversations: visits, shutdownExit };
  } catch (err) {
    if (server) log(`server output:\n${server.output()}`);
    throw err;
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await channel.close();
  }
}

/** Checks the database, opened as the next start would open it (recovering the WAL after a kill). */
function checkAgainst(file: string, ledger: Ledger): Figures {
  const db = openDatabase(file);
  try {
    return ledger.check(db);
  } finally {
    db.close();
  }
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export function formatResult(r: CrashTestResult): string {
  const rows = KINDS.map((k) => `| ${k} | ${r.acknowledged[k]} | ${r.lost[k]} | ${r.duplicated[k]} |`);
  return [
    `Crash test: ${r.kills} kills (SIGKILL), seed ${r.seed}, ${r.conversations} resident visits started, final SIGTERM exit ${r.shutdownExit}`,
    '',
    '| write | acknowledged | lost | duplicated |',
    '| --- | --- | --- | --- |',
    ...rows,
    `| total | ${sum(r.acknowledged)} | ${sum(r.lost)} | ${sum(r.duplicated)} |`,
    ...(r.problems.length ? ['', ...r.problems] : []),
  ].join('\n');
}

async function main(): Promise<number> {
  let args;
  try {
    ({ values: args } = parseArgs({ options: { kills: { type: 'string' }, seed: { type: 'string' }, knowledge: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run crash:test -- [--kills N] [--seed S] [--knowledge DIR] [--json]`);
    return 2;
  }
  const parsed = optionsSchema.safeParse({ kills: args.kills, seed: args.seed, knowledge: args.knowledge });
  if (!parsed.success) {
    console.error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
    return 2;
  }
  const result = await runCrashTest(parsed.data, args.json ? () => undefined : (line) => console.error(line));
  console.log(args.json ? JSON.stringify(result) : formatResult(result));
  return sum(result.lost) + sum(result.duplicated) === 0 && result.shutdownExit === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
