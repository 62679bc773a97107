import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function agents(args: string[], env: Record<string, string> = {}, dataDir: string) {
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/agents.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    input: '',
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_DATA_DIR: dataDir, PARLEY_AGENT_PASSWORD: '', ...env },
  });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe('npm run agents', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-agents-'));
  const password = { PARLEY_AGENT_PASSWORD: 'correct-horse-battery' };

  it('adds an agent with the password from PARLEY_AGENT_PASSWORD, lists and removes them', () => {
    expect(agents(['add', '--name', 'Ann Smith', '--departments', 'waste,housing', '--role', 'supervisor'], password, dataDir)).toEqual({
      status: 0,
      out: 'Added Ann Smith (supervisor) for waste, housing.',
      err: '',
    });
    expect(agents(['list'], {}, dataDir).out).toMatch(/^Ann Smith\tsupervisor\twaste,housing\tadded \d{4}-\d{2}-\d{2}$/);
    expect(agents(['remove', '--name', 'Ann Smith'], {}, dataDir)).toMatchObject({ status: 0, out: 'Removed Ann Smith.' });
    expect(agents(['list'], {}, dataDir).out).toMatch(/^No agents yet/);
  });

  it.each([
    [['add', '--name', 'Bob', '--departments', 'wast'], password, /^unknown department "wast"; known: customer-services, waste/],
    [['add', '--name', 'Bob', '--departments', 'waste'], { PARLEY_AGENT_PASSWORD: 'short' }, /^--password: must be at least 10 characters$/],
    [['add', '--name', 'Bob', '--departments', 'waste'], {}, /^no password: set PARLEY_AGENT_PASSWORD/],
    [['add', '--name', '', '--departments', 'waste'], password, /^--name: must not be empty$/],
    [['remove', '--name', 'Nobody'], {}, /^no agent called "Nobody"$/],
    [['frobnicate'], {}, /^usage: npm run agents -- add/],
  ])('refuses %p with exit code 2 and a reason', (args, env, message) => {
    const r = agents(args, env, dataDir);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(message);
  });
});
