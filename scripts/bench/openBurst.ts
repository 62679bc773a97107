/**
 * The experiment behind the 1,000-conversation timeouts (docs/reliability.md, issue 9): N
 * connections open at once against a server, each asking over and over, as bench:load's residents
 * do; says when each connection got its first answer, how many requests timed out (10 s), and
 * what the kernel counted meanwhile (listen-queue overflows, SYNs sent again, connections
 * accepted). The kernel's counters are the network namespace's: run it under `unshare -n` (with
 * `ip link set lo up`) for counters of its own.
 *
 *   node --import tsx scripts/bench/openBurst.ts --server echo|plain --generator autocannon|residents
 *        [--connections 1000] [--duration 15] [--url http://127.0.0.1:PORT]
 *
 * With `--url` it drives a server already running there (one started under `strace`, say)
 * instead of starting `--server` itself.
 *
 * `autocannon` drives the connections as bench:load did before (each starts asking as soon as it
 * is opened); `residents` as it does now (`loadDriver.ts`: all opened and answered once first).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Residents, type LoadRequest } from './loadDriver';
import { startServer } from './loadProcess';
import { expectRepliesBody } from './loadScript';
import { tcpCounters, tcpCountersSince } from './tcpCounters';

const argsSchema = z.object({
  server: z.enum(['echo', 'plain']),
  generator: z.enum(['autocannon', 'residents']),
  connections: z.coerce.number().int().positive(),
  duration: z.coerce.number().positive(),
  url: z.string().url().optional(),
});
type Args = z.infer<typeof argsSchema>;

const SERVERS = { echo: 'scripts/bench/echoBot.ts', plain: 'scripts/bench/plainServer.ts' } as const;
const TIMEOUT_SEC = 10;

const activity = (n: number): string => expectRepliesBody({ type: 'message', text: 'hello' }, { id: `m${n}`, conversation: `burst-${n}`, from: `resident-${n}` });

/** Per connection: seconds from the start to its first answer (undefined: none), its answers and timeouts. */
interface Connection {
  firstAnswerSec?: number;
  answers: number;
  timeouts: number;
}

interface AutocannonClient {
  on(event: 'response' | 'timeout', listener: () => void): void;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  setupClient: (client: AutocannonClient) => void;
  requests: { method: 'POST'; path: string; headers: Record<string, string>; setupRequest: (req: object) => object }[];
}) => Promise<unknown>;

async function withAutocannon(url: string, args: Args): Promise<Connection[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const connections: Connection[] = [];
  let sent = 0;
  const started = performance.now();
  await autocannon({
    url,
    connections: args.connections,
    duration: args.duration,
    timeout: TIMEOUT_SEC,
    setupClient: (client) => {
      const connection: Connection = { answers: 0, timeouts: 0 };
      connections.push(connection);
      client.on('response', () => {
        connection.answers++;
        connection.firstAnswerSec ??= (performance.now() - started) / 1000;
      });
      client.on('timeout', () => connection.timeouts++);
    },
    requests: [{ method: 'POST', path: '/api/messages', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: activity(sent++) }) }],
  });
  return connections;
}

async function withResidents(url: string, args: Args): Promise<Connection[]> {
  const connections: Connection[] = Array.from({ length: args.connections }, () => ({ answers: 0, timeouts: 0 }));
  let sent = 0;
  const requests: LoadRequest<object>[] = [
    { method: 'POST', path: '/api/messages', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: activity(sent++) }) },
  ];
  const started = performance.now();
  const residents = await Residents.open({ url, connections: args.connections, requests, openPath: '/healthz', timeoutMs: TIMEOUT_SEC * 1000 });
  const totals = await residents.run(args.duration, ({ resident }) => {
    const connection = connections[resident]!;
    connection.answers++;
    connection.firstAnswerSec ??= (performance.now() - started) / 1000;
  });
  // The driver counts timeouts in total only: enough here, where the question is whether any happen.
  if (connections[0]) connections[0].timeouts = totals.timeouts;
  return connections;
}

function bySecond(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[`${Math.floor(v)}s`] = (counts[`${Math.floor(v)}s`] ?? 0) + 1;
  return counts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, server: { type: 'string', default: 'echo' }, generator: { type: 'string', default: 'autocannon' }, connections: { type: 'string', default: '1000' }, duration: { type: 'string', default: '15' } },
  });
  const args = argsSchema.parse(values);
  const server = args.url === undefined ? await startServer(SERVERS[args.server], { PORT: '0' }) : undefined;
  const url = server?.url ?? args.url!;
  try {
    const before = tcpCounters();
    // This process is the load generator alone: its CPU per answer is the generator's own cost.
    const cpuBefore = process.cpuUsage();
    const connections = args.generator === 'autocannon' ? await withAutocannon(url, args) : await withResidents(url, args);
    const cpu = process.cpuUsage(cpuBefore);
    const answers = connections.reduce((n, c) => n + c.answers, 0);
    const answered = connections.flatMap((c) => (c.firstAnswerSec === undefined ? [] : [c.firstAnswerSec]));
    console.log(
      JSON.stringify({
        ...args,
        // Over the load alone: the residents' opening requests are not in it.
        answers,
        generatorCpuMsPerAnswer: answers > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / answers) * 1000) / 1000 : 0,
        timeouts: connections.reduce((n, c) => n + c.timeouts, 0),
        neverAnswered: connections.length - answered.length,
        firstAnswerBySecond: bySecond(answered),
        kernel: tcpCountersSince(before),
      }),
    );
  } finally {
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
