import { z } from 'zod';
import { versionTextSchema, type VersionText } from '../knowledge/version';
import type { Sql, StoreSchema } from '../knowledge/sql';

/**
 * Every knowledge-base version the bot has served, with its text, kept for good: a resident's
 * transcript names the version of each answer (`channelData.parleyAnswer.kbVersion`), and this is
 * where an investigation finds what that version said, after the YAML has moved on.
 */

export const KNOWLEDGE_VERSIONS_SCHEMA: StoreSchema = {
  store: 'knowledge-versions',
  sqlite: [
    `CREATE TABLE knowledge_versions (
     version TEXT PRIMARY KEY,
     first_loaded_at TEXT NOT NULL,
     entry_count INTEGER NOT NULL,
     text TEXT NOT NULL
   );`,
  ],
  postgres: [
    `CREATE TABLE knowledge_versions (
       version TEXT PRIMARY KEY,
       first_loaded_at TEXT NOT NULL,
       entry_count INTEGER NOT NULL,
       text TEXT NOT NULL
     )`,
  ],
};

export interface StoredVersion {
  version: string;
  firstLoadedAt: string;
  entryCount: number;
  text: VersionText;
}

export interface KnowledgeVersionStore {
  /** Keeps a version's text the first time it is loaded; later loads of the same version change nothing. */
  record(version: string, text: VersionText, at: Date): Promise<void>;
  /** The versions whose hash starts with `prefix` (at most `limit`), oldest first. */
  find(prefix: string, limit?: number): Promise<StoredVersion[]>;
  /** Every version, oldest first, without its text. */
  list(): Promise<Omit<StoredVersion, 'text'>[]>;
}

/** A version or the start of one, as people copy it from a transcript or a log. */
export const versionPrefix = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{4,64}$/, { message: 'expected a version: 4 to 64 characters 0-9 and a-f, e.g. 1a2b3c4d5e6f' });

type Row = { version: string; firstLoadedAt: string; entryCount: number; text: string };

const COLUMNS = 'version, first_loaded_at AS "firstLoadedAt", entry_count AS "entryCount"';

export class SqlKnowledgeVersionStore implements KnowledgeVersionStore {
  constructor(private readonly sql: Sql) {}

  async record(version: string, text: VersionText, at: Date): Promise<void> {
    // Instances loading the same version at once: the first insert wins, the others change nothing.
    await this.sql.run(
      `INSERT INTO knowledge_versions (version, first_loaded_at, entry_count, text) VALUES (@version, @firstLoadedAt, @entryCount, @text)
       ON CONFLICT (version) DO NOTHING`,
      { version, firstLoadedAt: at.toISOString(), entryCount: text.entries.length, text: JSON.stringify(text) },
    );
  }

  async find(prefix: string, limit = 2): Promise<StoredVersion[]> {
    const exact = versionPrefix.parse(prefix);
    // Compared by substr rather than LIKE: exact whatever the text, and the same in both databases.
    const rows = await this.sql.all<Row>(
      `SELECT ${COLUMNS}, text FROM knowledge_versions
       WHERE substr(version, 1, @length) = @prefix ORDER BY first_loaded_at, version LIMIT @limit`,
      { prefix: exact, length: exact.length, limit },
    );
    return rows.map((row) => ({
      version: row.version,
      firstLoadedAt: row.firstLoadedAt,
      entryCount: row.entryCount,
      // Read back through the schema: a row another Parley wrote differently fails clearly rather
      // than show an investigator half a record.
      text: versionTextSchema.parse(JSON.parse(row.text)),
    }));
  }

  async list(): Promise<Omit<StoredVersion, 'text'>[]> {
    return this.sql.all<Omit<Row, 'text'>>(`SELECT ${COLUMNS} FROM knowledge_versions ORDER BY first_loaded_at, version`);
  }
}
