/**
 * Loaded into a bench server with `--import` (bench:load's `--memory-log FILE`): writes one JSON
 * line of `process.memoryUsage()` every few seconds to the file named in PARLEY_BENCH_MEMORY_LOG,
 * so a soak shows whether a rise in RSS is the JavaScript heap (`heapUsed`), buffers and native
 * objects V8 knows about (`external`, `arrayBuffers`) or neither (SQLite's own allocations, malloc
 * keeping freed memory: `rss` minus the rest). RSS alone cannot tell these apart.
 *
 * With `--expose-gc` on the server too, each sample follows a full collection, so `heapUsed` is
 * what is still reachable rather than whatever garbage the last collection left. With
 * PARLEY_BENCH_HEAP_SNAPSHOTS=60,240 it also writes heap snapshots at those seconds after start
 * (into the log file's folder), to compare what the heap holds early and late.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { z } from 'zod';

const settings = z
  .object({
    PARLEY_BENCH_MEMORY_LOG: z.string().min(1),
    PARLEY_BENCH_MEMORY_EVERY: z.coerce.number().positive().default(5),
    PARLEY_BENCH_HEAP_SNAPSHOTS: z
      .string()
      .default('')
      .transform((s) => s.split(',').filter((x) => x.trim() !== '').map(Number))
      .pipe(z.array(z.number().nonnegative())),
  })
  .parse(process.env);

const MB = 1024 * 1024;
const started = Date.now();
const collect = (globalThis as { gc?: () => void }).gc;

/**
 * The kernel's split of the resident set (Linux): anonymous memory (malloc, the V8 heap), file
 * pages mapped in (code, and SQLite's WAL index, which is a shared mapping of the -shm file) and
 * shared memory. In MB; undefined where /proc is not there.
 */
function residentSplit(): Record<string, number> | undefined {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
  const fields: Record<string, number> = {};
  for (const name of ['RssAnon', 'RssFile', 'RssShmem']) {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (match) fields[`${name[3]!.toLowerCase()}${name.slice(4)}Mb`] = Number(match[1]) / 1024;
  }
  return fields;
}

function sample(): void {
  collect?.();
  const m = process.memoryUsage();
  const line = {
    t: Math.round((Date.now() - started) / 100) / 10,
    rssMb: m.rss / MB,
    heapTotalMb: m.heapTotal / MB,
    heapUsedMb: m.heapUsed / MB,
    externalMb: m.external / MB,
    arrayBuffersMb: m.arrayBuffers / MB,
    ...residentSplit(),
    collected: collect !== undefined,
  };
  appendFileSync(settings.PARLEY_BENCH_MEMORY_LOG, `${JSON.stringify(line)}\n`);
}

writeFileSync(settings.PARLEY_BENCH_MEMORY_LOG, '');
sample();
setInterval(sample, settings.PARLEY_BENCH_MEMORY_EVERY * 1000).unref();
for (const at of settings.PARLEY_BENCH_HEAP_SNAPSHOTS) {
  setTimeout(() => {
    const file = path.join(path.dirname(settings.PARLEY_BENCH_MEMORY_LOG), `heap-${at}s.heapsnapshot`);
    writeHeapSnapshot(file);
  }, at * 1000).unref();
}
