import { createHash } from 'node:crypto';
import type { BinData } from './bins/data';
import type { KnowledgeBase } from './loader';
import { z } from 'zod';
import { departmentSchema, escalateSchema, linkSchema } from './schema';

/**
 * The knowledge base's version: a SHA-256 of its content as loaded, so that an answer a resident
 * received can be traced to the text that was live.
 *
 * Why the loaded content and not the files' bytes: the same content must give the same version on
 * every machine, and bytes differ where nothing a resident sees does (Windows line endings from a
 * git checkout, comments, quoting style, a default written out or left implicit, the folder's
 * path). What is hashed is everything that changes what the bot says or does: every entry in load
 * order (files by name, entries in file order: the order the matcher is trained in) without its
 * file and line, the departments, the synonyms, the bin rounds, postcodes and collection changes,
 * and the bank holidays. Object keys are sorted, so the hash does not depend on how the loader
 * happens to build its objects. Not included: the matcher's code and word vectors, and the
 * thresholds (settings, not content).
 */
export interface VersionedContent {
  kb: KnowledgeBase;
  bins: BinData;
  /** Calendar date → bank holiday name. */
  holidays: ReadonlyMap<string, string>;
}

export function knowledgeVersion({ kb, bins, holidays }: VersionedContent): string {
  const content = {
    entries: kb.entries.map(({ file: _file, line: _line, ...entry }) => entry),
    departments: [...kb.departments.values()],
    synonyms: kb.synonyms,
    bins,
    holidays: [...holidays.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The first 12 characters: enough to tell versions apart in logs and on screen. */
export function shortVersion(version: string): string {
  return version.slice(0, 12);
}

/** JSON with object keys in code-point order at every level, and undefined properties left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .flatMap((k) => {
          const v = (value as Record<string, unknown>)[k];
          return v === undefined ? [] : [[k, sortKeys(v)]];
        }),
    );
  }
  return value;
}

/**
 * What residents were told in one version: kept so a complaint can be checked against the text.
 * A schema because it is stored as JSON and read back by other versions of Parley.
 */
export const versionTextSchema = z.object({
  entries: z.array(
    z.object({ id: z.string(), title: z.string(), department: z.string(), answer: z.string(), links: z.array(linkSchema), escalate: escalateSchema }),
  ),
  /** "I don't know" and "leave a message" replies quote a department's contact details. */
  departments: z.array(departmentSchema),
});
export type VersionText = z.infer<typeof versionTextSchema>;

export function versionText(kb: KnowledgeBase): VersionText {
  return {
    entries: kb.entries.map((e) => ({ id: e.id, title: e.title, department: e.department, answer: e.answer, links: e.links, escalate: e.escalate })),
    departments: [...kb.departments.values()],
  };
}
