import fs from 'node:fs';
import { z } from 'zod';
import { formatProblem, YamlFile, type Problem } from '../../knowledge/yamlFile';

/**
 * Proactive chat: the widget offers help on its own when a resident lingers on a page or reads
 * far down it ("Need help paying your council tax?"). The rules live in a YAML file named by
 * PARLEY_PROACTIVE_RULES; without it there are no offers. Problems name file, line and field,
 * like the knowledge base's.
 */

/** A path with `*` standing for any characters: `/council-tax*` matches `/council-tax/pay`. */
const pagePattern = z
  .string()
  .regex(/^\/[A-Za-z0-9\-._~/*%]*$/, { message: 'must be a path starting with "/" (letters, digits, - . _ ~ / and * for "anything")' });

export const proactiveRuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be kebab-case, e.g. council-tax-help' }),
    page: pagePattern,
    /** Offer after this many seconds on the page... */
    afterSeconds: z.number().int().min(1).max(3600).optional(),
    /** ...or once the resident has scrolled this far down it (per cent), whichever comes first. */
    scrollDepth: z.number().int().min(1).max(100).optional(),
    message: z.string().trim().min(1).max(140, { message: 'keep the offer short: 140 characters at most' }),
    /** Buttons under the offer; choosing one opens the chat and asks it. */
    topics: z.array(z.string().trim().min(1).max(60)).max(4).default([]),
  })
  .refine((r) => r.afterSeconds !== undefined || r.scrollDepth !== undefined, { message: 'give afterSeconds or scrollDepth (or both)' });

export const proactiveRulesFileSchema = z
  .strictObject({ rules: z.array(proactiveRuleSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate id "${rule.id}"` });
      seen.add(rule.id);
    });
  });

export type ProactiveRule = z.infer<typeof proactiveRuleSchema>;

export class ProactiveRulesError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`The proactive chat rules have ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ProactiveRulesError';
  }
}

/** The rules in `file`, or none when no file is configured; throws ProactiveRulesError. */
export function loadProactiveRules(file: string | undefined, displayRoot = process.cwd()): ProactiveRule[] {
  if (!file) return [];
  if (!fs.existsSync(file)) throw new ProactiveRulesError([{ file, line: 1, column: 1, field: '', message: 'file is missing (PARLEY_PROACTIVE_RULES)' }]);
  const { file: yaml, problems: syntax } = YamlFile.read(file, displayRoot);
  if (syntax.length) throw new ProactiveRulesError(syntax);
  const { value, problems } = yaml.validate(proactiveRulesFileSchema);
  if (!value) throw new ProactiveRulesError(problems);
  return value.rules;
}
