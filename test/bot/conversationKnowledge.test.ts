import { Conversation, type Knowledge } from '../../bot/conversation';
import { newConversationData } from '../../bot/state';
import type { BinDayResult } from '../../knowledge/bins/lookup';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { DEFAULT_THRESHOLDS, FIXTURE_KB, NOW, WORD_VECTORS } from './harness';

const kb = loadKnowledgeBase(FIXTURE_KB);
const matcher = Matcher.build(kb, {}, WORD_VECTORS);

describe('Conversation and a reload during a turn', () => {
  it('answers a whole turn from the version it started with, though the bin lookup awaits the database meanwhile', async () => {
    const before: Knowledge = { kb, matcher, version: 'a'.repeat(64) };
    const after: Knowledge = { kb, matcher, version: 'b'.repeat(64) };
    let inForce = before;
    const found: BinDayResult = { kind: 'found', postcode: 'TE1 1AA', round: 'tue-a', today: '2026-11-25', collections: [{ date: '2026-12-01', bins: ['recycling (blue bin)'] } as never] };
    const conversation = new Conversation({
      knowledge: () => inForce,
      timeZone: 'Europe/London',
      thresholds: DEFAULT_THRESHOLDS,
      missesBeforeOffer: 2,
      // A reload lands while the lookup is waiting for its rows.
      bins: {
        lookup: async () => {
          inForce = after;
          return found;
        },
      },
      now: () => NOW,
    });

    const replies = await conversation.message('when is my bin day TE1 1AA', newConversationData(), {});
    const traced = replies.map((r) => (r.channelData as { parleyAnswer?: { kbVersion?: string } } | undefined)?.parleyAnswer?.kbVersion).filter(Boolean);
    expect(traced).toEqual([before.version]);
    expect(replies[0]!.text).toMatch(/^Your next bin collections for \*\*TE1 1AA\*\*/);
    // The next turn takes the version now in force.
    const next = await conversation.message('TE1 1AA', newConversationData(), {});
    expect(next.map((r) => (r.channelData as { parleyAnswer?: { kbVersion?: string } } | undefined)?.parleyAnswer?.kbVersion).filter(Boolean)).toEqual([after.version]);
  });
});
