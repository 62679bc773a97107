import { runScript } from './runScript';

describe('scripts/bench/directLineAlone.ts', () => {
  it('runs the Direct Line phase alone against Parley and reports the phase, the kernel counters and the server lines', async () => {
    const run = await runScript('scripts/bench/directLineAlone.ts', ['--conversations', '3', '--duration', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ conversations: 3, errors: 0, badReplies: 0, serverLines: {} });
    expect(run.report!.requests).toBeGreaterThan(0);
  }, 120_000);
});

describe('scripts/bench/directLineAlone.ts --fetch-connections', () => {
  it("serves the same phase with the server's fetch limited to a pool of connections", async () => {
    const run = await runScript('scripts/bench/directLineAlone.ts', ['--conversations', '3', '--duration', '2', '--fetch-connections', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ conversations: 3, 'fetch-connections': 2, errors: 0, badReplies: 0, serverLines: {} });
    expect(run.report!.requests).toBeGreaterThan(0);
  }, 120_000);
});
