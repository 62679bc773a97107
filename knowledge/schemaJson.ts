import { z } from 'zod';
import { DEPARTMENTS_FILE, SYNONYMS_FILE } from './loader';
import { departmentsFileSchema, entryFileSchema, synonymsFileSchema } from './schema';

/**
 * JSON Schemas of the knowledge files, generated from the zod schemas in schema.ts (the one
 * source of truth) for editors: VS Code and other editors with the YAML language server use
 * them for completion, hover help and validation as you type. `npm run kb:schema` writes them
 * to knowledge/schema/; each YAML file points at its schema on its first line.
 *
 * Refinements zod cannot express in JSON Schema (opening hours that close before they open,
 * unique ids, references between files) are left to `npm run kb:check`.
 */

export const SCHEMA_DIR = 'schema';

/** Hover help, by field path (`[]` = each item of a list). Plain English, for editors. */
type Docs = Record<string, string>;

const entryDocs: Docs = {
  '': 'A Parley knowledge file: the questions residents ask about one service area and the answers the bot gives.',
  area: 'The service area the entries in this file cover, for example "Waste and recycling".',
  entries: 'The entries: one per thing residents ask about.',
  'entries[].id':
    'A unique id in kebab-case (lower-case letters, digits and single hyphens), for example bins-missed-collection. Other entries and the bot refer to it: change it with care.',
  'entries[].title': 'A short name for the answer, shown on buttons ("Did you mean", related entries).',
  'entries[].department': 'The id of the department (in departments.yaml) that deals with this, if a resident asks for a person.',
  'entries[].questions':
    'Ways a resident would ask this, in their own words: at least 4, better 5 or more, as different from each other as residents are.',
  'entries[].answer': 'The answer, in markdown (**bold**, lists, [links](https://...)). Plain English and short paragraphs; what to do first.',
  'entries[].links': 'Pages listed under the answer as "More information".',
  'entries[].links[].title': 'The words residents click.',
  'entries[].links[].url': 'The full https:// address of the page.',
  'entries[].keywords': 'Extra words or phrases that point to this entry, used like sample questions.',
  'entries[].related': 'Ids of other entries offered as buttons after the answer ("see also").',
  'entries[].escalate': 'none: just answer. offer: answer, then offer a person. urgent: answer with what to do now, then offer a person at once, with high priority.',
  'entries[].lookup': 'bin-day: ask for the resident\'s postcode and give their bin collection days.',
};

const departmentDocs: Docs = {
  '': 'The council\'s departments: where residents are sent when they need a person, and the contact details the bot gives.',
  departments: 'One item per department.',
  'departments[].id': 'A unique id in kebab-case; entries name it in their department field.',
  'departments[].name': 'The department\'s name as residents see it.',
  'departments[].phone': 'The phone number residents should call, as they would dial it.',
  'departments[].email': 'The department\'s email address; messages residents leave are sent here.',
  'departments[].hours': 'Opening hours for each day, as 24-hour times in quotes, for example "08:30-17:00". Leave out the days it is closed.',
  'departments[].outOfHours': 'A number for emergencies when the department is closed.',
};

const synonymDocs: Docs = {
  '': 'Words residents use, mapped to the words the entries use, so that both match.',
  synonyms: 'One item per term.',
  'synonyms[].term': 'The word or phrase the entries use, for example "household waste recycling centre".',
  'synonyms[].variants': 'What residents say instead, in lower case, for example "the tip". A variant belongs to one term only.',
};

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; items?: JsonSchema };

/** Adds each description at its path; a path the schema does not have is a mistake here. */
function annotate(root: JsonSchema, docs: Docs): JsonSchema {
  const unused = new Set(Object.keys(docs));
  const visit = (node: JsonSchema, at: string) => {
    if (docs[at] !== undefined) {
      node.description = docs[at];
      unused.delete(at);
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, at ? `${at}.${key}` : key);
    if (node.items) visit(node.items, `${at}[]`);
  };
  visit(root, '');
  if (unused.size) throw new Error(`schemaJson: no such field for the help text of ${[...unused].join(', ')}`);
  return root;
}

function generate(schema: z.ZodType, title: string, docs: Docs): JsonSchema {
  // Draft 7 is the version editors' YAML plugins support best; "input" leaves fields with a
  // default (links, related, escalate...) optional, as they are to an editor.
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as JsonSchema;
  const { description, ...body } = annotate(rest, docs);
  // Title and description first: they are what an editor opening the file reads.
  return { $schema, title, description, ...body };
}

/** File name → schema, for every kind of knowledge file. */
export function knowledgeSchemas(): Record<string, JsonSchema> {
  return {
    'entries.schema.json': generate(entryFileSchema, 'Parley knowledge base: entries', entryDocs),
    'departments.schema.json': generate(departmentsFileSchema, 'Parley knowledge base: departments', departmentDocs),
    'synonyms.schema.json': generate(synonymsFileSchema, 'Parley knowledge base: synonyms', synonymDocs),
  };
}

/** Which schema a knowledge file (by its name) is written against. */
export function schemaFileFor(yamlName: string): string {
  if (yamlName === DEPARTMENTS_FILE) return 'departments.schema.json';
  if (yamlName === SYNONYMS_FILE) return 'synonyms.schema.json';
  return 'entries.schema.json';
}

/** The text written to disk: stable, so a regeneration with no change is no diff. */
export function schemaText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The first line of a YAML file that points the YAML language server at its schema. */
export function modeline(yamlName: string): string {
  return `# yaml-language-server: $schema=./${SCHEMA_DIR}/${schemaFileFor(yamlName)}`;
}
