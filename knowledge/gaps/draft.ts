import { stringify } from 'yaml';
import type { KnowledgeBase } from '../loader';
import { clean } from '../normalize';
import type { Entry } from '../schema';
import type { GapCluster } from './report';
import { topicWords, withoutPlaceholders } from './terms';

/**
 * A starter entry for a cluster of unanswered questions (`npm run kb:gaps -- --draft ID`): the
 * residents' own questions, a title and id from the most central one, the department of the
 * closest existing entry and `answer: TODO`, under a comment that says how to finish it.
 *
 * It is written as a one-item list, the shape of an entry under `entries:`, not as a whole
 * knowledge file: saved into knowledge/ as it is, the loader refuses it, so a TODO answer can
 * never reach residents by accident.
 */

export const ANSWER_PLACEHOLDER = 'TODO';
export const QUESTION_PLACEHOLDER = 'TODO: another way a resident would ask this';
/** The schema's minimum. */
const MIN_QUESTIONS = 4;
const MAX_QUESTIONS = 12;

export interface DraftOptions {
  /** Where the department comes from when no entry is close: the contact centre. */
  fallbackDepartment: string;
}

export type Draft = Pick<Entry, 'id' | 'title' | 'department' | 'questions' | 'answer'>;

export function draftEntry(cluster: GapCluster, kb: Pick<KnowledgeBase, 'byId'>, options: DraftOptions): Draft {
  const central = withoutPlaceholders(cluster.questions[0]?.text ?? '');
  const base = topicWords(central).slice(0, 5).join('-').slice(0, 50).replace(/-+$/, '') || 'new-entry';
  let id = base;
  for (let n = 2; kb.byId.has(id); n++) id = `${base}-${n}`;

  const seen = new Set<string>();
  const questions = cluster.questions.flatMap((q) => {
    const text = withoutPlaceholders(q.text);
    const key = clean(text);
    if (!key || seen.has(key)) return [];
    seen.add(key);
    return [text];
  });
  while (questions.length < MIN_QUESTIONS) questions.push(QUESTION_PLACEHOLDER);

  const sentence = central.replace(/[?.!\s]+$/, '');
  return {
    id,
    title: sentence ? sentence[0]!.toUpperCase() + sentence.slice(1) : 'TODO',
    department: cluster.closest?.department ?? options.fallbackDepartment,
    questions: questions.slice(0, MAX_QUESTIONS),
    answer: ANSWER_PLACEHOLDER,
  };
}

/** The draft as YAML, with the editor's instructions as comments above it. */
export function draftYaml(cluster: GapCluster, kb: Pick<KnowledgeBase, 'byId'>, options: DraftOptions): string {
  const draft = draftEntry(cluster, kb, options);
  const closest = cluster.closest && kb.byId.get(cluster.closest.id);
  const day = (iso: string) => iso.slice(0, 10);
  const residents = cluster.residents === 1 ? '1 resident' : `${cluster.residents} residents`;
  const times = cluster.asked === 1 ? 'once' : cluster.asked === 2 ? 'twice' : `${cluster.asked} times`;
  const header = [
    `Draft entry from npm run kb:gaps, cluster "${cluster.id}":`,
    `${residents} asked this ${times} between ${day(cluster.firstAsked)} and ${day(cluster.lastAsked)}, and the bot could not help.`,
    '',
    'To finish it:',
    `1. Write the answer in place of ${ANSWER_PLACEHOLDER}: plain English, short paragraphs, what to do first.`,
    '2. Make the title a short task, like "Rent an allotment", and check the id (kebab-case, not used by another entry).',
    closest
      ? `3. Check the department: "${draft.department}" is the department of the closest entry, "${closest.id}" (${closest.title}, score ${cluster.closest!.score}).`
      : `3. Choose the department: no entry is close, so it says "${draft.department}".`,
    ...(closest ? ['   If residents meant that entry, add these questions to it instead of making a new one.'] : []),
    `4. Keep at least ${MIN_QUESTIONS} questions in residents' own words; replace any that say TODO.`,
    `5. Paste the entry under "entries:" in the service area's file${closest ? ` (${closest.file} holds the closest entry)` : ''},`,
    '   then run npm run kb:check and npm run kb:ask -- "one of the questions".',
    'This is one entry, not a whole knowledge file: do not save it in knowledge/ as it is.',
  ];
  return `${header.map((line) => (line ? `# ${line}` : '#')).join('\n')}\n${stringify([draft], { lineWidth: 0 })}`;
}
