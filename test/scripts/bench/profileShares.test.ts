import { shares, type CpuProfile } from '../../../scripts/bench/profileShares';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url }, children });

// root → turn (bot/conversation.ts) → run (bot/db/sqlite.ts); root → (garbage collector)
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 4]),
    frame(2, 'turn', 'file:///app/bot/conversation.ts', [3]),
    frame(3, 'run', 'file:///app/bot/db/sqlite.ts'),
    frame(4, '(garbage collector)', ''),
  ],
  // Three samples in SQLite under the conversation, one in the conversation itself, one GC, spread over 5 s.
  samples: [3, 3, 2, 4, 3],
  timeDeltas: [1e6, 1e6, 1e6, 1e6, 1e6],
};

describe('profileShares', () => {
  it('counts each sample under the innermost part its stack names', () => {
    expect(shares(profile)).toEqual([
      { part: 'SQLite', share: 0.6 },
      { part: 'garbage collection', share: 0.2 },
      { part: "Parley's other code", share: 0.2 },
    ]);
  });

  it('keeps only the last seconds when asked', () => {
    // The last 2 s: the GC sample (at 4 s) and the last SQLite one (at 5 s).
    expect(shares(profile, 2)).toEqual([
      { part: 'garbage collection', share: 0.5 },
      { part: 'SQLite', share: 0.5 },
    ]);
  });
});
