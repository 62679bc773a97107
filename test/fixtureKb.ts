import path from 'node:path';

/** The small knowledge base most tests share (test/fixtures/kb/valid): Testshire's departments, a few entries and bin rounds. */
export const FIXTURE_KB = path.resolve(__dirname, 'fixtures', 'kb', 'valid');
