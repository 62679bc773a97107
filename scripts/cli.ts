import fs from 'node:fs';
import path from 'node:path';

/**
 * What the command-line scripts share: the error for a bad command line (each script answers it
 * with its usage and exit code 2), and writing a result to stdout or to `--out FILE`.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Prints `text`, or writes it to `out` and says so on stderr (stdout stays clean for pipes). */
export function writeOutput(text: string, out: string | undefined): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  fs.writeFileSync(path.resolve(out), text);
  console.error(`Written to ${out}`);
}
