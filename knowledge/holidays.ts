import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { bankHolidaysFileSchema } from './schema';
import { KnowledgeError, YamlFile, type Problem } from './yamlFile';

/**
 * knowledge/data/bank-holidays.yaml: the days the council is closed (`holidays`) and the bin
 * collections they move (`changes`). This module owns reading the file, so the bin data and
 * opening hours see the same validation and the same `file:line field: message` problems.
 */

export const BANK_HOLIDAYS_FILE = 'bank-holidays.yaml';

export type BankHolidaysFile = z.infer<typeof bankHolidaysFileSchema>;

/** Reads and validates the file; `value` is absent when there is any problem. */
export function readBankHolidaysFile(dataDir: string, displayRoot: string): { value?: BankHolidaysFile; problems: Problem[] } {
  const file = path.join(dataDir, BANK_HOLIDAYS_FILE);
  if (!fs.existsSync(file)) {
    return { problems: [{ file: path.relative(displayRoot, file), line: 1, column: 1, field: '', message: 'file is missing' }] };
  }
  const { file: yaml, problems: syntax } = YamlFile.read(file, displayRoot);
  // A file that does not parse has no fields to point at; its syntax errors are the whole story.
  if (syntax.length) return { problems: syntax };
  return yaml.validate(bankHolidaysFileSchema);
}

/** The bank holidays by calendar date: "2026-12-25" → "Christmas Day". */
export function loadBankHolidays(dataDir: string, displayRoot = process.cwd()): Map<string, string> {
  const { value, problems } = readBankHolidaysFile(dataDir, displayRoot);
  if (!value) throw new KnowledgeError(problems);
  return new Map(value.holidays.map((h) => [h.date, h.name]));
}
