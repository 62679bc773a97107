import path from 'node:path';
import { loadBinData, type BinData } from '../knowledge/bins/data';
import { fromProblems, missingContent, type Finding } from '../knowledge/check';
import { loadBankHolidays } from '../knowledge/holidays';
import { DEPARTMENTS_FILE, loadKnowledgeBase, type KnowledgeBase } from '../knowledge/loader';
import { Matcher } from '../knowledge/matcher';
import type { MatchThread } from '../knowledge/matchThread';
import { knowledgeVersion } from '../knowledge/version';
import { DATA_FOLDER } from '../knowledge/watch';
import type { WordVectors } from '../knowledge/wordVectors';
import { KnowledgeError } from '../knowledge/yamlFile';
import { REQUIRED_DEPARTMENTS, REQUIRED_ENTRIES, type Knowledge } from './conversation';

/**
 * Everything the running bot takes from the knowledge folder, read and checked together: at start
 * and at every reload the same way, so a knowledge base that would not start is never swapped in.
 */

/** The validated content and its version, before the (slow) matcher is built. */
export interface KnowledgeContent {
  kb: KnowledgeBase;
  bins: BinData;
  holidays: ReadonlyMap<string, string>;
  version: string;
}

/** What a turn, the desk and the bin lookup use; never changed once built (a reload builds a new one). */
export interface LoadedKnowledge extends Knowledge, KnowledgeContent {
  version: string;
  /**
   * The matcher trained on this thread: `matcher` itself, or its stand-in while the matcher
   * thread builds its own (and for good if that thread stops). Reports that rank many questions
   * at once, and the console's search, use it directly.
   */
  localMatcher: Matcher;
}

export type ReadResult = { kind: 'valid'; content: KnowledgeContent } | { kind: 'invalid'; findings: Finding[] };

/**
 * Reads and checks the entries, departments, synonyms, bin data and bank holidays, with every
 * problem found (as kb:check reports them: `file:line:column field: message` and a fix hint).
 * Only errors about content are findings; anything else (a bug, a permission) is thrown.
 */
export function readKnowledge(dir: string, displayRoot = process.cwd()): ReadResult {
  const findings: Finding[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof KnowledgeError)) throw err;
      findings.push(...fromProblems(err.problems));
      return undefined;
    }
  };
  const kb = attempt(() => loadKnowledgeBase(dir, displayRoot));
  const dataDir = path.join(dir, DATA_FOLDER);
  const bins = attempt(() => loadBinData(dataDir, displayRoot));
  // The bin data has already reported the bank-holiday file's problems: read it only once it is valid.
  const holidays = bins && attempt(() => loadBankHolidays(dataDir, displayRoot));
  if (kb) {
    const display = (p: string) => path.relative(displayRoot, p) || '.';
    findings.push(
      ...missingContent(
        kb,
        { entries: REQUIRED_ENTRIES, departments: REQUIRED_DEPARTMENTS },
        { entriesDir: display(dir), departmentsFile: display(path.join(dir, DEPARTMENTS_FILE)) },
      ),
    );
  }
  if (findings.length || !kb || !bins || !holidays) return { kind: 'invalid', findings };
  return { kind: 'valid', content: { kb, bins, holidays, version: knowledgeVersion({ kb, bins, holidays }) } };
}

/**
 * Trains the matcher: about half a second on the shipped knowledge base (see knowledge/README.md).
 * With a matcher thread, turns match there once it has trained its own copy.
 */
export function buildKnowledge(content: KnowledgeContent, vectors: WordVectors, thread?: MatchThread): LoadedKnowledge {
  const localMatcher = Matcher.build(content.kb, {}, vectors);
  return { ...content, localMatcher, matcher: thread ? thread.serve(content.kb, localMatcher) : localMatcher };
}

/** For the start: the knowledge base, or a KnowledgeError listing every problem (the start stops). */
export function loadKnowledge(dir: string, vectors: WordVectors, displayRoot = process.cwd(), thread?: MatchThread): LoadedKnowledge {
  const read = readKnowledge(dir, displayRoot);
  if (read.kind === 'invalid') throw new KnowledgeError(read.findings);
  return buildKnowledge(read.content, vectors, thread);
}
