import { spawn } from 'node:child_process';
import path from 'node:path';
import { percentile, slopeMbPerMin } from '../../scripts/bench/loadStats';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the bench as `npm run bench:load` would, and collects its output. */
function benchLoad(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench-load.ts', ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
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
    for (const key of ['turnsPerSec', 'echoTurnsPerSec', 'ratio', 'p99Ms', 'errors', 'rssMb', 'rssSlopeMbPerMin']) {
      expect(typeof report[key]).toBe('number');
    }
    expect(report.errors).toBe(0);
    expect(report.turnsPerSec).toBeGreaterThan(0);
    expect(report.echoTurnsPerSec).toBeGreaterThan(0);
    expect(report.rssMb).toBeGreaterThan(0);
    // The Direct Line residents got replies to their messages too.
    expect((report.directLine as { turns: number }).turns).toBeGreaterThan(0);
    // The shipped knowledge base has questions it answers with "did you mean", and the bench found them.
    expect(report.didYouMeanQuestions).toBeGreaterThan(0);
  }, 180_000);

  it('refuses a bad command line with exit 2 and the usage', async () => {
    const run = await benchLoad(['--conversations', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--conversations');
    expect(run.stderr).toContain('Usage: npm run bench:load');
  }, 60_000);
});

describe('load figures', () => {
  it('takes the nearest-rank percentile', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile([], 99)).toBe(0);
  });

  it('gives the memory slope in MB per minute, and 0 when flat', () => {
    expect(slopeMbPerMin([{ t: 0, mb: 100 }, { t: 30, mb: 101 }, { t: 60, mb: 102 }])).toBeCloseTo(2);
    expect(slopeMbPerMin([{ t: 0, mb: 100 }, { t: 60, mb: 100 }])).toBe(0);
    expect(slopeMbPerMin([{ t: 0, mb: 100 }])).toBe(0);
  });
});
