import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, SqliteBackend } from '../../bot/db';
import { text } from '../../bot/replies';
import { SqlAgentStore } from '../../handoff/agents';
import { launch } from '../../scripts/crash/server';
import { startApp, testConfig, withSql } from '../app';
import { FIXTURE_KB } from '../fixtureKb';
import { call, login } from '../handoff/consoleClient';
import { tempDir } from '../tempDb';
import { messageTexts, repliesTo, residentMessage } from './residentClient';

/**
 * A database Parley cannot write, or a knowledge base it cannot read, at start: a clear message
 * and exit 1, never a half-started server. A write that fails while it runs: the resident and
 * the officer are told, the failure is logged with its context, and the server keeps serving.
 */

/** Nobody's user: root ignores file permissions, so the read-only case runs the server as this user. */
const NOBODY = 65534;
const env = (dataDir: string, knowledgeDir = FIXTURE_KB) => ({ PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: knowledgeDir, PARLEY_KNOWLEDGE_RELOAD: 'off' });
const STACK_LINE = /^\s+at /m;

describe('storage and knowledge faults at start', () => {
  it('refuses to start on a read-only database, saying so, and leaves the data as it was', async () => {
    const dataDir = tempDir('parley-readonly-');
    const file = path.join(dataDir, 'parley.sqlite');
    await withSql(testConfig({ PARLEY_DATA_DIR: dataDir }), (sql) => new SqlAgentStore(sql).add({ name: 'Ann Smith', departments: ['waste'], password: 'ann-password-1' }, new Date()));
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dataDir, 0o555);

    const server = await launch(env(dataDir), process.getuid?.() === 0 ? { uid: NOBODY } : {});
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(new RegExp(`^Parley cannot use its database ${file}: the database file or its folder is read-only for this user`, 'm'));
    expect(server.output()).not.toMatch(STACK_LINE);

    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(file, 0o644);
    const after = new SqliteBackend(openDatabase(file));
    expect(await new SqlAgentStore(after.sql).get('Ann Smith')).toMatchObject({ name: 'Ann Smith' });
    await after.close();
  }, 60_000);

  it('refuses to start when the disk is full (a 64 KiB file size limit), saying so', async () => {
    const dataDir = tempDir('parley-full-');
    const server = await launch(env(dataDir), { fileSizeLimitKb: 64 });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/^Parley cannot use its database .*parley\.sqlite: the disk could not be written \(it may be full, over a file size limit, or failing\) \(SQLITE_IOERR/m);
    expect(server.output()).not.toMatch(STACK_LINE);
  }, 60_000);

  it('refuses to start on a knowledge file that is not valid YAML, naming the file and line', async () => {
    const knowledgeDir = tempDir('parley-corrupt-kb-');
    fs.cpSync(FIXTURE_KB, knowledgeDir, { recursive: true });
    const entries = path.join(knowledgeDir, 'entries.yaml');
    fs.appendFileSync(entries, '  - id: [not closed\n');
    const server = await launch(env(tempDir('parley-corrupt-data-'), knowledgeDir));
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/^The knowledge base has 1 problem:\n\s+\S*entries\.yaml:\d+: YAML syntax: /m);
    expect(server.output()).not.toMatch(STACK_LINE);
    expect(server.output()).not.toMatch(/is listening/);
  }, 60_000);
});

describe('a write that fails while Parley runs', () => {
  it('gives the resident the error reply, the officer a 500 with a message, logs both with context, and keeps serving', async () => {
    const config = testConfig();
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Ann Smith', departments: ['customer-services'], password: 'ann-password-1' }, new Date()));
    const errors: string[] = [];
    const { app, url } = await startApp(config, { log: { info: () => undefined, error: (line: string) => void errors.push(line) } });
    const serviceUrl = 'http://127.0.0.1:9/';
    try {
      const ann = await login(url, 'Ann Smith', 'ann-password-1');
      expect(messageTexts(await repliesTo(url, residentMessage('how do I pay my council tax', { conversation: 'fault-1', serviceUrl })))[0]).toMatch(/^You can pay your Council Tax online/);

      // Another connection holds the write lock: every write the app tries fails once its busy timeout ends.
      const locker = openDatabase(config.databaseFile);
      locker.exec('BEGIN IMMEDIATE');
      try {
        // The same question again: nothing in the state changes, the answer stands, the transcript cannot be kept.
        expect(messageTexts(await repliesTo(url, residentMessage('how do I pay my council tax', { conversation: 'fault-1', serviceUrl })))[0]).toMatch(/^You can pay your Council Tax online/);
        expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\[transcript\] conversation fault-1, activity r\d+ not kept: (SqliteError: )?database is locked$/)]));
        // Asking for a person changes the conversation's state, which must be saved.
        expect(messageTexts(await repliesTo(url, residentMessage('talk to a person', { conversation: 'fault-1', serviceUrl })))).toContain(text.error);
        expect(errors).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^\[onTurnError\] conversation fault-1: SqliteError: database is locked/),
          ]),
        );

        const status = await call(url, ann, 'POST', '/api/console/status', { status: 'away' });
        expect(status).toMatchObject({ status: 500, body: { error: 'internal', message: expect.stringMatching(/\S/) } });
        expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\[console\] POST \/api\/console\/status: SqliteError: database is locked/)]));
      } finally {
        locker.exec('ROLLBACK');
        locker.close();
      }

      // The server is still up and writes again.
      expect(messageTexts(await repliesTo(url, residentMessage('how do I pay my council tax', { conversation: 'fault-1', serviceUrl })))[0]).toMatch(/^You can pay your Council Tax online/);
      expect((await call(url, ann, 'POST', '/api/console/status', { status: 'away' })).status).toBe(200);
    } finally {
      await app.close();
    }
  }, 120_000);
});
