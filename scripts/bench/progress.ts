/**
 * A small progress bar on stderr, redrawn at most ten times a second. Disabled bars cost nothing,
 * so callers can always tick. Never writes to stdout (stdout carries --json output).
 */
export interface Progress {
  /** False for a bar that draws nothing. */
  readonly enabled: boolean;
  /** Advance by n steps (for a bar with a total). */
  tick(n?: number): void;
  /** Replace the note shown after the bar, e.g. an epoch count when the total is unknown. */
  note(text: string): void;
  /** Draw the final state and end the line. */
  done(): void;
}

const WIDTH = 24;

/** True while a bar's line is drawn but not yet ended. */
let lineOpen = false;

/** Ends a bar's unfinished line, so an error message starts on a line of its own. */
export function endOpenLine(out: Pick<NodeJS.WriteStream, 'write'> = process.stderr): void {
  if (lineOpen) out.write('\n');
  lineOpen = false;
}

const silent: Progress = { enabled: false, tick() {}, note() {}, done() {} };

export function progress(
  label: string,
  total: number | undefined,
  enabled: boolean,
  out: Pick<NodeJS.WriteStream, 'write'> = process.stderr,
): Progress {
  if (!enabled) return silent;
  const start = performance.now();
  let count = 0;
  let text = '';
  let last = 0;
  let finished = false;
  const draw = () => {
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    let bar = '';
    if (total !== undefined && total > 0) {
      const share = Math.min(1, count / total);
      const filled = Math.round(share * WIDTH);
      bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${count}/${total} `;
    }
    out.write(`\r${label} ${bar}${text ? `${text} ` : ''}${seconds}s\x1b[K`);
    lineOpen = true;
  };
  const maybeDraw = () => {
    const now = performance.now();
    if (now - last >= 100) {
      last = now;
      draw();
    }
  };
  return {
    enabled: true,
    tick(n = 1) {
      count += n;
      maybeDraw();
    },
    note(t) {
      text = t;
      maybeDraw();
    },
    done() {
      if (finished) return;
      finished = true;
      draw();
      out.write('\n');
      lineOpen = false;
    },
  };
}
