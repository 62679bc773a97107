import fs from 'node:fs';
import path from 'node:path';
import { loadProactiveRules, ProactiveRulesError } from '../../../bot/web/proactive';
import { tempDir } from '../../tempDb';

const SHIPPED = path.resolve(__dirname, '..', '..', '..', 'bot', 'web', 'proactive-rules.yaml');

function rulesFile(yaml: string): string {
  const file = path.join(tempDir('parley-rules-'), 'rules.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

const VALID_RULE = `  - id: council-tax-help
    page: /council-tax*
    afterSeconds: 30
    message: Need help paying your council tax?
`;

describe('proactive chat rules', () => {
  it('are off when no file is configured', () => {
    expect(loadProactiveRules(undefined)).toEqual([]);
  });

  it('load the two rules the demo ships', () => {
    expect(loadProactiveRules(SHIPPED)).toEqual([
      { id: 'council-tax-help', page: '/council-tax*', afterSeconds: 30, message: 'Need help paying your council tax?', topics: ['How do I pay my council tax?', 'Can I get a council tax reduction?'] },
      { id: 'bin-day-help', page: '/bins*', scrollDepth: 60, message: 'Looking for your bin collection day?', topics: ['When is my bin day?', 'Report a missed bin'] },
    ]);
  });

  it.each([
    ['no trigger', `rules:\n  - id: a\n    page: /a\n    message: Hello?\n`, 'rules.yaml:2 rules[0]: give afterSeconds or scrollDepth (or both)'],
    ['a page that is not a path', `rules:\n  - id: a\n    page: council-tax\n    afterSeconds: 5\n    message: Hello?\n`, 'rules.yaml:3 rules[0].page: must be a path starting with "/"'],
    ['a scroll depth over 100%', `rules:\n  - id: a\n    page: /a\n    scrollDepth: 150\n    message: Hello?\n`, 'rules.yaml:4 rules[0].scrollDepth: Too big'],
    ['an unknown field', `rules:\n${VALID_RULE}    delay: 5\n`, 'rules.yaml:6 rules[0].delay: unknown field "delay" (check the spelling)'],
    ['a duplicate id', `rules:\n${VALID_RULE}${VALID_RULE}`, 'rules.yaml:6 rules[1].id: duplicate id "council-tax-help"'],
    ['too many topics', `rules:\n${VALID_RULE}    topics: [a, b, c, d, e]\n`, 'rules.yaml:6 rules[0].topics: Too big'],
    ['broken YAML', `rules:\n  - id: [unclosed\n`, 'rules.yaml:3: YAML syntax'],
  ])('name file, line and field for %s', (_what, yaml, expected) => {
    const file = rulesFile(yaml);
    let error: unknown;
    try {
      loadProactiveRules(file, path.dirname(file));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProactiveRulesError);
    expect((error as ProactiveRulesError).message).toContain(expected);
  });

  it('refuse a configured file that does not exist', () => {
    expect(() => loadProactiveRules('/nowhere/rules.yaml')).toThrow(/rules.yaml:1: file is missing \(PARLEY_PROACTIVE_RULES\)/);
  });
});
