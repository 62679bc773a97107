import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/**
 * A copy of a knowledge base whose departments are open all day, every day: for runs of real
 * server processes, which use the real clock, where a department that is closed never queues anyone.
 */
export function alwaysOpen(knowledgeDir: string, into: string): string {
  fs.cpSync(knowledgeDir, into, { recursive: true });
  const file = path.join(into, 'departments.yaml');
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { departments: { hours?: Record<string, string> }[] };
  const allDay = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, '00:00-24:00']));
  for (const d of doc.departments) d.hours = allDay;
  fs.writeFileSync(file, YAML.stringify(doc));
  return into;
}
