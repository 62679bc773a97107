import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';

/** One problem in a knowledge file, precise enough for an editor to find and fix it. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `entries[3].questions`; empty for the whole file. */
  field: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

export class KnowledgeError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      `The knowledge base has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'KnowledgeError';
  }
}

export type Path = ReadonlyArray<string | number>;

export function formatPath(at: Path): string {
  return at.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

/** A parsed YAML file that can say on which line any field sits. */
export class YamlFile {
  private constructor(
    readonly displayName: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static read(file: string, displayRoot: string): { file: YamlFile; problems: Problem[] } {
    const displayName = path.relative(displayRoot, file) || file;
    const lines = new LineCounter();
    const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: false });
    const yamlFile = new YamlFile(displayName, doc, lines);
    const problems = doc.errors.map((err) => {
      const at = lines.linePos(err.pos[0]);
      return { file: displayName, line: at.line, column: at.col, field: '', message: `YAML syntax: ${err.message}` };
    });
    return { file: yamlFile, problems };
  }

  /** Validates against a zod schema; every issue becomes a Problem with its line. */
  validate<S extends z.ZodType>(schema: S): { value?: z.infer<S>; problems: Problem[] } {
    let data: unknown;
    try {
      data = this.doc.toJS();
    } catch (err) {
      // Parsing succeeds but building the value can still fail: an alias used before its anchor,
      // or aliases expanding past the yaml library's limit (a "billion laughs" file).
      return { problems: [{ file: this.displayName, line: 1, column: 1, field: '', message: `YAML: ${(err as Error).message}` }] };
    }
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data, problems: [] };
    const problems = result.error.issues.flatMap((issue) => {
      const at = issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => this.problem([...at, key], `unknown field "${key}" (check the spelling)`));
      }
      return [this.problem(at, issue.message)];
    });
    return { problems };
  }

  problem(at: Path, message: string): Problem {
    const { line, column } = this.position(at);
    return { file: this.displayName, line, column, field: formatPath(at), message };
  }

  /** Line of the deepest part of `at` that exists: a missing field points at its parent. */
  position(at: Path): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const seg of at) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}
