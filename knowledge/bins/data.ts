import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readBankHolidaysFile } from '../holidays';
import { calendarDate, weekdays } from '../schema';
import { KnowledgeError, type Problem } from '../yamlFile';
import { normalizePostcode } from './postcode';
import { weekdayOf, type Change, type Round } from './schedule';

/** The bin-collection data editors keep in knowledge/data/, validated and ready to load. */
export interface BinData {
  rounds: Round[];
  postcodes: { postcode: string; round: string }[];
  changes: Change[];
}

export const ROUNDS_FILE = 'bin-rounds.csv';
export const POSTCODES_FILE = 'bin-postcodes.csv';

const roundRow = z
  .object({
    round: z.string().min(1, { message: 'must not be empty' }),
    day: z.enum(weekdays, { message: `expected one of ${weekdays.join(', ')}` }),
    recycling_anchor: calendarDate,
  })
  // The anchor fixes which weeks are recycling weeks; on another weekday no week would be.
  .refine((r) => weekdayOf(r.recycling_anchor) === r.day, {
    path: ['recycling_anchor'],
    message: 'must be a date on the round\'s collection day',
  });
const postcodeRow = z.object({
  postcode: z.string().transform((p, ctx) => {
    const normal = normalizePostcode(p);
    if (!normal) ctx.addIssue({ code: 'custom', message: `"${p}" is not a valid UK postcode` });
    return normal ?? p;
  }),
  round: z.string().min(1, { message: 'must not be empty' }),
});

/**
 * A deliberately small CSV reader: these files are plain tables with no quoted commas.
 * Each row comes back with its line number so errors can point at it.
 */
function readCsv(file: string, display: string, header: string[], problems: Problem[]): { line: number; row: Record<string, string> }[] {
  if (!fs.existsSync(file)) {
    problems.push({ file: display, line: 1, column: 1, field: '', message: 'file is missing' });
    return [];
  }
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const got = (lines[0] ?? '').split(',').map((h) => h.trim());
  if (got.join(',') !== header.join(',')) {
    problems.push({ file: display, line: 1, column: 1, field: '', message: `expected the header "${header.join(',')}"` });
    return [];
  }
  return lines.slice(1).flatMap((text, i) => {
    if (!text.trim() || text.startsWith('#')) return [];
    const cells = text.split(',').map((c) => c.trim());
    return [{ line: i + 2, row: Object.fromEntries(header.map((h, k) => [h, cells[k] ?? ''])) }];
  });
}

export function loadBinData(dataDir: string, displayRoot = process.cwd()): BinData {
  const problems: Problem[] = [];
  const display = (name: string) => path.relative(displayRoot, path.join(dataDir, name));
  const rowProblems = (name: string, line: number, error: z.ZodError) =>
    error.issues.map((issue) => ({ file: display(name), line, column: 1, field: issue.path.join('.'), message: issue.message }));

  const rounds: Round[] = [];
  for (const { line, row } of readCsv(path.join(dataDir, ROUNDS_FILE), display(ROUNDS_FILE), ['round', 'day', 'recycling_anchor'], problems)) {
    const parsed = roundRow.safeParse(row);
    if (!parsed.success) problems.push(...rowProblems(ROUNDS_FILE, line, parsed.error));
    else if (rounds.some((r) => r.round === parsed.data.round)) {
      problems.push({ file: display(ROUNDS_FILE), line, column: 1, field: 'round', message: `duplicate round "${parsed.data.round}"` });
    } else rounds.push({ round: parsed.data.round, day: parsed.data.day, recyclingAnchor: parsed.data.recycling_anchor });
  }

  const known = new Set(rounds.map((r) => r.round));
  const seen = new Set<string>();
  const postcodes: BinData['postcodes'] = [];
  for (const { line, row } of readCsv(path.join(dataDir, POSTCODES_FILE), display(POSTCODES_FILE), ['postcode', 'round'], problems)) {
    const parsed = postcodeRow.safeParse(row);
    if (!parsed.success) problems.push(...rowProblems(POSTCODES_FILE, line, parsed.error));
    else if (!known.has(parsed.data.round)) {
      problems.push({ file: display(POSTCODES_FILE), line, column: 1, field: 'round', message: `no round "${parsed.data.round}" in ${ROUNDS_FILE}` });
    } else if (seen.has(parsed.data.postcode)) {
      problems.push({ file: display(POSTCODES_FILE), line, column: 1, field: 'postcode', message: `duplicate postcode "${parsed.data.postcode}"` });
    } else {
      seen.add(parsed.data.postcode);
      postcodes.push(parsed.data);
    }
  }

  // bank-holidays.yaml is read by ../holidays.ts, which owns it; the bins need only its `changes`.
  const holidays = readBankHolidaysFile(dataDir, displayRoot);
  problems.push(...holidays.problems);
  const changes: Change[] = holidays.value?.changes ?? [];

  if (problems.length) throw new KnowledgeError(problems);
  return { rounds, postcodes, changes };
}
