import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { knowledgeSchemas, modeline, schemaFileFor, schemaText } from '../../knowledge/schemaJson';

const root = path.resolve(__dirname, '..', '..');
const knowledge = path.join(root, 'knowledge');
const shippedYaml = fs.readdirSync(knowledge).filter((n) => n.endsWith('.yaml'));

type Schema = Record<string, unknown>;

/**
 * A validator for exactly the JSON Schema keywords the generated schemas use (no JSON Schema
 * validator is installed). An unknown keyword fails the test rather than being skipped, so a
 * change in what zod generates cannot make this check pass by ignoring it.
 */
function validate(schema: Schema, value: unknown, at = ''): string[] {
  const errors: string[] = [];
  const known = new Set(['$schema', 'title', 'description', 'default', 'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'minLength', 'pattern', 'enum', 'format']);
  for (const key of Object.keys(schema)) if (!known.has(key)) throw new Error(`validator does not know the keyword "${key}" (at ${at || 'the root'})`);
  const type = schema.type as string | undefined;
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (type && type !== actual) return [`${at}: expected ${type}, got ${actual}`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${at}: not one of ${(schema.enum as unknown[]).join(', ')}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < (schema.minLength as number)) errors.push(`${at}: too short`);
    if (schema.pattern && !new RegExp(schema.pattern as string).test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
    if (schema.format === 'uri' && !URL.canParse(value)) errors.push(`${at}: not a URI`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < (schema.minItems as number)) errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, `${at}[${i}]`)));
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) errors.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(object)) {
      if (properties[key]) errors.push(...validate(properties[key], v, `${at}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${key}: not allowed`);
    }
  }
  return errors;
}

const schemas = knowledgeSchemas();
const validateFile = (file: string) => validate(schemas[schemaFileFor(path.basename(file))]!, parse(fs.readFileSync(file, 'utf8')));

describe('JSON Schemas of the knowledge files', () => {
  it.each(Object.keys(schemas))('committed %s is what npm run kb:schema generates now', (name) => {
    expect(fs.readFileSync(path.join(knowledge, 'schema', name), 'utf8')).toBe(schemaText(schemas[name]!));
  });

  it.each(shippedYaml)('knowledge/%s names its schema on its first line and is valid against it', (name) => {
    const file = path.join(knowledge, name);
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe(modeline(name));
    expect(validateFile(file)).toEqual([]);
  });

  it('points entries, departments and synonyms files at their own schema', () => {
    expect(modeline('waste.yaml')).toBe('# yaml-language-server: $schema=./schema/entries.schema.json');
    expect(modeline('departments.yaml')).toBe('# yaml-language-server: $schema=./schema/departments.schema.json');
    expect(modeline('synonyms.yaml')).toBe('# yaml-language-server: $schema=./schema/synonyms.schema.json');
  });

  it('catches in the editor what the loader rejects: misspelt fields, missing answers, bad values', () => {
    expect(validateFile(path.join(root, 'test/fixtures/kb/bad-fields/waste.yaml'))).toEqual([
      '.entries[0].answer: required',
      '.entries[0].id: does not match ^[a-z0-9]+(-[a-z0-9]+)*$',
      '.entries[0].answr: not allowed',
      '.entries[0].links[0].url: not a URI',
      '.entries[0].escalate: not one of none, offer, urgent',
    ]);
    expect(validateFile(path.join(root, 'test/fixtures/kb/too-few-questions/waste.yaml'))).toEqual(['.entries[1].questions: fewer than 4 items']);
    expect(validateFile(path.join(root, 'test/fixtures/kb/bad-hours/departments.yaml'))).toEqual([
      '.departments[0].hours.tuesday: does not match ^([01]\\d|2[0-3]):[0-5]\\d-(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
    ]);
  });

  it('gives every field of an entry hover help for editors', () => {
    const entry = ((schemas['entries.schema.json']!.properties as Record<string, Schema>).entries!.items as Schema).properties as Record<string, Schema>;
    const undocumented = Object.entries(entry).filter(([, s]) => typeof s.description !== 'string').map(([k]) => k);
    expect(undocumented).toEqual([]);
    expect(entry.escalate!.description).toMatch(/^none: just answer\. offer: /);
  });
});
