import fs from 'node:fs';
import { SqliteBackend, openDatabase } from '../../bot/db';
import { tempDir } from '../tempDb';

/** A backend with a table and about 100 pages of rows in its write-ahead log (SQLite's own threshold is 1,000). */
async function filled(background: boolean): Promise<{ backend: SqliteBackend; file: string; sizeBefore: number }> {
  const file = `${tempDir('parley-ckpt-')}/parley.sqlite`;
  const backend = new SqliteBackend(openDatabase(file));
  await backend.sql.exec('CREATE TABLE docs (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)');
  backend.db.pragma('wal_checkpoint(TRUNCATE)');
  const sizeBefore = fs.statSync(file).size;
  const errors: string[] = [];
  if (background) backend.checkpointInBackground({ error: (line: string) => errors.push(line) });
  for (let i = 0; i < 100; i++) await backend.sql.run('INSERT INTO docs (doc) VALUES (?)', ['x'.repeat(3000)]);
  expect(errors).toEqual([]);
  return { backend, file, sizeBefore };
}

async function waitFor(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  return done();
}

describe('BackgroundCheckpointer', () => {
  it('copies the write-ahead log into the database file from its worker, with no commit reaching SQLite’s threshold', async () => {
    const { backend, file, sizeBefore } = await filled(true);
    // Only a checkpoint writes rows into the main file; the commits above are far below the
    // main connection's threshold, so the worker did it.
    expect(await waitFor(() => fs.statSync(file).size > sizeBefore + 100 * 3000)).toBe(true);
    await backend.close();
    // Closing stops the worker, then empties the log into the file.
    expect(fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    const reopened = openDatabase(file);
    expect(reopened.prepare('SELECT count(*) AS n FROM docs').get()).toEqual({ n: 100 });
    reopened.close();
  });

  it('without it, the same writes stay in the log (the control)', async () => {
    const { backend, file, sizeBefore } = await filled(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.statSync(file).size).toBe(sizeBefore);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(100 * 3000);
    await backend.close();
  });
});
