import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { verdict } from '../../scripts/audit';

// The shapes npm 10 prints with `npm audit --json`: a report, and the error when the registry
// refuses the audit request (the build machine's mirror answers 405).
const counts = (high: number, moderate: number) => ({ info: 0, low: 0, moderate, high, critical: 0, total: high + moderate });
const report = (vulnerabilities: Record<string, object>, high: number, moderate: number) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: counts(high, moderate), dependencies: { prod: 120, total: 120 } } });

describe('npm run audit:deps', () => {
  it('lists each high or critical advisory with its range and fix, and passes over lower ones', () => {
    const json = report(
      {
        'fast-xml': { name: 'fast-xml', severity: 'high', isDirect: false, via: ['GHSA-0000'], effects: [], range: '<4.2.5', nodes: [], fixAvailable: true },
        qs: { name: 'qs', severity: 'moderate', isDirect: false, via: [], effects: [], range: '<6.14.1', nodes: [], fixAvailable: true },
        restify: { name: 'restify', severity: 'high', isDirect: true, via: ['fast-xml'], effects: [], range: '*', nodes: [], fixAvailable: { name: 'restify', version: '12.0.0', isSemVerMajor: true } },
      },
      2,
      1,
    );
    expect(verdict(json)).toEqual({
      kind: 'audited',
      counts: counts(2, 1),
      blocking: ['high: fast-xml <4.2.5; `npm audit fix` mends it', 'high: restify * (a direct dependency); fixed by restify@12.0.0 (a major upgrade)'],
    });
  });

  it('has nothing blocking when there is no high or critical advisory', () => {
    expect(verdict(report({}, 0, 0))).toEqual({ kind: 'audited', counts: counts(0, 0), blocking: [] });
  });

  it('says the audit was not run when the registry refused it, rather than passing it', () => {
    const refused = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', method: 'POST', statusCode: 405, body: '', error: { summary: '', detail: '' } });
    expect(verdict(refused)).toEqual({ kind: 'not-audited', reason: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk' });
  });

  it('refuses output it does not understand instead of guessing', () => {
    expect(() => verdict('npm ERR! something')).toThrow('not JSON');
    expect(() => verdict(JSON.stringify({ auditReportVersion: 1 }))).toThrow('a shape this script does not know');
  });

  it('runs the real npm audit and exits as its words say (0 clean, 1 high or critical found, 3 not audited)', () => {
    const root = path.resolve(__dirname, '..', '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit.ts'], { cwd: root, encoding: 'utf8' });
    const said = run.stdout.trim();
    if (run.status === 3) expect(said).toMatch(/^npm audit --omit=dev could not be run here: .+\. No verdict either way\.$/);
    else {
      expect([0, 1]).toContain(run.status);
      expect(said).toMatch(/^npm audit --omit=dev: \d+ info, \d+ low, \d+ moderate, \d+ high, \d+ critical\./);
      // Exit 1 exactly when advisories are listed under the counts.
      expect(said.split('\n').length > 1).toBe(run.status === 1);
    }
  });
});
