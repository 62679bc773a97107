import { runScript } from './runScript';

describe('scripts/bench/openBurst.ts', () => {
  it.each(['autocannon', 'residents'])('drives the plain server with %s and says when each connection was first answered', async (generator) => {
    const run = await runScript('scripts/bench/openBurst.ts', ['--server', 'plain', '--generator', generator, '--connections', '5', '--duration', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ server: 'plain', generator, connections: 5, timeouts: 0, neverAnswered: 0 });
    expect(run.report!.answers).toBeGreaterThanOrEqual(5);
    expect(run.report!.generatorCpuMsPerAnswer).toBeGreaterThan(0);
    const firstAnswers = Object.values(run.report!.firstAnswerBySecond as Record<string, number>);
    expect(firstAnswers.reduce((a, b) => a + b, 0)).toBe(5);
    expect(Object.keys(run.report!.kernel as object)).toEqual(expect.arrayContaining(['ListenOverflows', 'PassiveOpens']));
  }, 60_000);

  it('refuses an unknown generator', async () => {
    const run = await runScript('scripts/bench/openBurst.ts', ['--generator', 'wrk']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('generator');
  }, 60_000);
});
