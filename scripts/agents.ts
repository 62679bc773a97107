/**
 * npm run agents -- add --name NAME --departments a,b [--role agent|supervisor]
 * npm run agents -- list
 * npm run agents -- remove --name NAME
 *
 * Manages the duty officers who sign in to the console. The password comes from a hidden
 * prompt, or from PARLEY_AGENT_PASSWORD for scripts (never from the command line, where it
 * would land in shell history). Departments must exist in knowledge/departments.yaml.
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../bot/config';
import { openBackend } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { newAgentSchema, SqlAgentStore } from '../handoff/agents';
import { loadKnowledgeBase } from '../knowledge/loader';
import { UsageError } from './cli';


const USAGE = `usage: npm run agents -- add --name NAME --departments a,b [--role agent|supervisor]
       npm run agents -- list
       npm run agents -- remove --name NAME
The password is asked for, or read from PARLEY_AGENT_PASSWORD.`;

/** Reads a line from the terminal without showing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          reject(new UsageError('cancelled'));
          return;
        }
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function password(fromEnvironment: string | undefined): Promise<string> {
  if (fromEnvironment) return fromEnvironment;
  if (!process.stdin.isTTY) throw new UsageError('no password: set PARLEY_AGENT_PASSWORD, or run this in a terminal to be asked');
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Password again: ');
  if (first !== again) throw new UsageError('the two passwords differ');
  return first;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, departments: { type: 'string' }, role: { type: 'string' } },
  });
  const command = positionals[0];
  const config = loadConfig();
  // The app's database, SQLite or PostgreSQL (DATABASE_URL), with its tables made if this runs first.
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  try {
    await migrateAll(backend.sql);
    const agents = new SqlAgentStore(backend.sql);
    switch (command) {
      case 'list': {
        const all = await agents.list();
        if (!all.length) console.log('No agents yet. Add one with: npm run agents -- add --name NAME --departments DEPT');
        for (const a of all) console.log(`${a.name}\t${a.role}\t${a.departments.join(',')}\tadded ${a.createdAt.slice(0, 10)}`);
        return;
      }
      case 'remove': {
        if (!values.name) throw new UsageError(`remove needs --name\n${USAGE}`);
        const result = await agents.remove(values.name);
        if (result.kind === 'not-found') throw new UsageError(`no agent called "${values.name}"`);
        console.log(`Removed ${values.name}.`);
        return;
      }
      case 'add': {
        const departments = (values.departments ?? '').split(',').map((d) => d.trim()).filter(Boolean);
        const known = loadKnowledgeBase(config.knowledgeDir).departments;
        const unknown = departments.filter((d) => !known.has(d));
        if (unknown.length) throw new UsageError(`unknown department ${unknown.map((d) => `"${d}"`).join(', ')}; known: ${[...known.keys()].join(', ')}`);
        const input = { name: values.name ?? '', departments, role: values.role ?? 'agent' };
        // Check everything but the password before asking for it.
        const early = newAgentSchema.omit({ password: true }).safeParse(input);
        if (!early.success) throw new UsageError(describe(early.error));
        const parsed = newAgentSchema.safeParse({ ...input, password: await password(config.PARLEY_AGENT_PASSWORD) });
        if (!parsed.success) throw new UsageError(describe(parsed.error));
        const result = await agents.add(parsed.data, new Date());
        if (result.kind === 'exists') throw new UsageError(`an agent called "${result.name}" already exists`);
        console.log(`Added ${result.agent.name} (${result.agent.role}) for ${result.agent.departments.join(', ')}.`);
        return;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await backend.close();
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `--${String(i.path[0] ?? 'input')}: ${i.message}`).join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
