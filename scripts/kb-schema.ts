/**
 * npm run kb:schema -- [--dir FOLDER] [--check]
 * Writes the JSON Schemas of the knowledge files (from the zod schemas) to FOLDER/schema/ and
 * puts the line that points editors at them at the top of any YAML file that lacks it.
 * With --check it changes nothing and exits 1 if anything is out of date (for CI).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { knowledgeSchemas, modeline, SCHEMA_DIR, schemaText } from '../knowledge/schemaJson';
import { UsageError } from './cli';


function main(): number {
  let values;
  try {
    ({ values } = parseArgs({ options: { dir: { type: 'string' }, check: { type: 'boolean', default: false } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dir = values.dir ? path.resolve(values.dir) : loadConfig().knowledgeDir;
  const display = (p: string) => path.relative(process.cwd(), p) || p;
  const stale: string[] = [];

  const schemaDir = path.join(dir, SCHEMA_DIR);
  for (const [name, schema] of Object.entries(knowledgeSchemas())) {
    const file = path.join(schemaDir, name);
    const text = schemaText(schema);
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
    stale.push(display(file));
    if (!values.check) {
      fs.mkdirSync(schemaDir, { recursive: true });
      fs.writeFileSync(file, text);
    }
  }

  for (const name of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    const line = modeline(name);
    if (text.split(/\r?\n/, 1)[0] === line) continue;
    stale.push(display(file));
    if (values.check) continue;
    // The file's name says which schema it follows, so a schema line pointing elsewhere is replaced.
    const rest = text.startsWith('# yaml-language-server:') ? text.slice(text.indexOf('\n') + 1) : text;
    fs.writeFileSync(file, `${line}\n${rest}`);
  }

  if (values.check) {
    if (stale.length) {
      console.error(`Out of date (run npm run kb:schema):\n${stale.map((s) => `  ${s}`).join('\n')}`);
      return 1;
    }
    console.log('kb:schema: the schemas and the YAML files\' schema lines are up to date.');
    return 0;
  }
  console.log(stale.length ? `kb:schema: updated\n${stale.map((s) => `  ${s}`).join('\n')}` : 'kb:schema: nothing to change.');
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
