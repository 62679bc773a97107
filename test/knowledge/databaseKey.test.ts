import { createHmac } from 'node:crypto';
import { conversationHash } from '../../knowledge/databaseKey';

/** The sum rows already stored were made with: a remembered hash must be the same. */
const stored = (key: string, id: string) => createHmac('sha256', key).update(id).digest('hex').slice(0, 32);

describe('conversationHash', () => {
  it('is the keyed sum earlier versions stored, asked once or again', () => {
    expect(conversationHash('key-a', 'conv-1')).toBe(stored('key-a', 'conv-1'));
    expect(conversationHash('key-a', 'conv-1')).toBe(stored('key-a', 'conv-1'));
  });

  it('depends on the key: a conversation remembered under one key is not reused under another', () => {
    const a = conversationHash('key-a', 'conv-2');
    const b = conversationHash('key-b', 'conv-2');
    expect(a).not.toBe(b);
    expect(b).toBe(stored('key-b', 'conv-2'));
  });

  it('stays right once more conversations have come than it remembers', () => {
    const ids = Array.from({ length: 12_000 }, (_, i) => `many-${i}`);
    for (const id of ids) conversationHash('key-c', id);
    for (const id of [ids[0]!, ids[5_000]!, ids[11_999]!]) expect(conversationHash('key-c', id)).toBe(stored('key-c', id));
  });
});
