import { z } from 'zod';
import { versionTextSchema, type VersionText } from '../knowledge/version';
import { migrate, type Db } from './db';

/**
 * Every knowledge-base version the bot has served, with its text, kept for good: a resident's
 * transcript names the version of each answer (`channelData.parleyAnswer.kbVersion`), and this is
 * where an investigation finds what that version said, after the YAML has moved on.
 */

const MIGRATIONS = [
  `CREATE TABLE knowledge_versions (
     version TEXT PRIMARY KEY,
     first_loaded_at TEXT NOT NULL,
     entry_count INTEGER NOT NULL,
     text TEXT NOT NULL
   );`,
];

export interface StoredVersion {
  version: string;
  firstLoadedAt: string;
  entryCount: number;
  text: VersionText;
}

export interface KnowledgeVersionStore {
  /** Keeps a version's text the first time it is loaded; later loads of the same version change nothing. */
  record(version: string, text: VersionText, at: Date): void;
  /** The versions whose hash starts with `prefix` (at most `limit`), oldest first. */
  find(prefix: string, limit?: number): StoredVersion[];
  /** Every version, oldest first, without its text. */
  list(): Omit<StoredVersion, 'text'>[];
}

/** A version or the start of one, as people copy it from a transcript or a log. */
export const versionPrefix = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{4,64}$/, { message: 'expected a version: 4 to 64 characters 0-9 and a-f, e.g. 1a2b3c4d5e6f' });

type Row = { version: string; firstLoadedAt: string; entryCount: number; text: string };

export class SqliteKnowledgeVersionStore implements KnowledgeVersionStore {
  private readonly insert;
  private readonly byPrefix;
  private readonly all;

  constructor(db: Db) {
    migrate(db, 'knowledge-versions', MIGRATIONS);
    this.insert = db.prepare(
      `INSERT INTO knowledge_versions (version, first_loaded_at, entry_count, text) VALUES (@version, @firstLoadedAt, @entryCount, @text)
       ON CONFLICT (version) DO NOTHING`,
    );
    // Versions are lower-case hex, so a prefix has no LIKE wildcards; substr keeps it exact anyway.
    this.byPrefix = db.prepare<{ prefix: string; limit: number }, Row>(
      `SELECT version, first_loaded_at AS firstLoadedAt, entry_count AS entryCount, text FROM knowledge_versions
       WHERE substr(version, 1, length(@prefix)) = @prefix ORDER BY first_loaded_at, version LIMIT @limit`,
    );
    this.all = db.prepare<[], Omit<Row, 'text'>>(
      'SELECT version, first_loaded_at AS firstLoadedAt, entry_count AS entryCount FROM knowledge_versions ORDER BY first_loaded_at, version',
    );
  }

  record(version: string, text: VersionText, at: Date): void {
    this.insert.run({ version, firstLoadedAt: at.toISOString(), entryCount: text.entries.length, text: JSON.stringify(text) });
  }

  find(prefix: string, limit = 2): StoredVersion[] {
    return this.byPrefix.all({ prefix: versionPrefix.parse(prefix), limit }).map((row) => ({
      version: row.version,
      firstLoadedAt: row.firstLoadedAt,
      entryCount: row.entryCount,
      // Read back through the schema: a row another Parley wrote differently fails clearly rather
      // than show an investigator half a record.
      text: versionTextSchema.parse(JSON.parse(row.text)),
    }));
  }

  list(): Omit<StoredVersion, 'text'>[] {
    return this.all.all();
  }
}
