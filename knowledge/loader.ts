import fs from 'node:fs';
import path from 'node:path';
import {
  departmentsFileSchema,
  entryFileSchema,
  synonymsFileSchema,
  type Department,
  type Entry,
  type Synonym,
} from './schema';
import { KnowledgeError, YamlFile, type Problem } from './yamlFile';

export const DEPARTMENTS_FILE = 'departments.yaml';
export const SYNONYMS_FILE = 'synonyms.yaml';

/** An entry plus where it came from, so later checks and tools can point editors at it. */
export interface LoadedEntry extends Entry {
  file: string;
  line: number;
}

export interface KnowledgeBase {
  entries: LoadedEntry[];
  byId: ReadonlyMap<string, LoadedEntry>;
  departments: ReadonlyMap<string, Department>;
  synonyms: Synonym[];
}

/**
 * Reads every YAML file in `dir` (not sub-folders: data/ and tests/ hold other formats),
 * validates each against the schema and the whole set against itself, and either returns
 * the knowledge base or throws one KnowledgeError listing every problem found.
 */
export function loadKnowledgeBase(dir: string, displayRoot = process.cwd()): KnowledgeBase {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new KnowledgeError([
      { file: path.relative(displayRoot, dir) || dir, line: 1, column: 1, field: '', message: 'knowledge folder not found' },
    ]);
  }
  const problems: Problem[] = [];
  const read = (name: string) => {
    const { file, problems: syntax } = YamlFile.read(path.join(dir, name), displayRoot);
    for (const p of syntax) problems.push(p);
    return syntax.length ? undefined : file;
  };

  const fileNames = fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  const missing = [DEPARTMENTS_FILE, SYNONYMS_FILE].filter((name) => !fileNames.includes(name));
  for (const name of missing) {
    problems.push({ file: path.relative(displayRoot, path.join(dir, name)), line: 1, column: 1, field: '', message: 'file is missing' });
  }

  const departments = new Map<string, Department>();
  // Only check entries' departments against a departments file that loaded: one error, not fifty.
  let departmentsValid = false;
  const departmentsFile = fileNames.includes(DEPARTMENTS_FILE) ? read(DEPARTMENTS_FILE) : undefined;
  if (departmentsFile) {
    const { value, problems: found } = departmentsFile.validate(departmentsFileSchema);
    for (const p of found) problems.push(p); // not push(...found): tens of thousands of problems overflow the stack
    departmentsValid = value !== undefined;
    value?.departments.forEach((d, i) => {
      if (departments.has(d.id)) {
        problems.push(departmentsFile.problem(['departments', i, 'id'], `duplicate department id "${d.id}"`));
      }
      departments.set(d.id, d);
    });
  }

  const synonyms: Synonym[] = [];
  const synonymsFile = fileNames.includes(SYNONYMS_FILE) ? read(SYNONYMS_FILE) : undefined;
  if (synonymsFile) {
    const { value, problems: found } = synonymsFile.validate(synonymsFileSchema);
    for (const p of found) problems.push(p); // not push(...found): tens of thousands of problems overflow the stack
    const termOf = new Map<string, string>();
    value?.synonyms.forEach((s, i) => {
      s.variants.forEach((variant, j) => {
        const key = variant.toLowerCase();
        const other = termOf.get(key);
        if (other !== undefined && other !== s.term) {
          problems.push(
            synonymsFile.problem(['synonyms', i, 'variants', j], `"${variant}" is already a variant of "${other}"`),
          );
        }
        termOf.set(key, s.term);
      });
      synonyms.push(s);
    });
  }

  const entries: LoadedEntry[] = [];
  const located: { entry: LoadedEntry; file: YamlFile; index: number }[] = [];
  for (const name of fileNames.filter((n) => n !== DEPARTMENTS_FILE && n !== SYNONYMS_FILE)) {
    const file = read(name);
    if (!file) continue;
    const { value, problems: found } = file.validate(entryFileSchema);
    for (const p of found) problems.push(p); // not push(...found): tens of thousands of problems overflow the stack
    value?.entries.forEach((entry, index) => {
      const loaded = { ...entry, file: file.displayName, line: file.position(['entries', index]).line };
      entries.push(loaded);
      located.push({ entry: loaded, file, index });
    });
  }

  const byId = new Map<string, LoadedEntry>();
  for (const { entry, file, index } of located) {
    const first = byId.get(entry.id);
    if (first) {
      problems.push(
        file.problem(['entries', index, 'id'], `duplicate id "${entry.id}" (first defined at ${first.file}:${first.line})`),
      );
    } else {
      byId.set(entry.id, entry);
    }
  }
  for (const { entry, file, index } of located) {
    entry.related.forEach((id, j) => {
      if (id === entry.id) problems.push(file.problem(['entries', index, 'related', j], 'an entry cannot be related to itself'));
      else if (!byId.has(id)) problems.push(file.problem(['entries', index, 'related', j], `no entry has the id "${id}"`));
    });
    if (departmentsValid && !departments.has(entry.department)) {
      problems.push(
        file.problem(['entries', index, 'department'], `unknown department "${entry.department}" (see ${DEPARTMENTS_FILE})`),
      );
    }
  }

  if (problems.length) throw new KnowledgeError(problems);
  return { entries, byId, departments, synonyms };
}
