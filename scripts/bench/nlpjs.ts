/**
 * NLP.js (`node-nlp` 4.x) in the intent benchmark: one NlpManager, one document per training
 * question, `train()`, then `process('en', text)`. NLP.js itself answers 'None' below its own
 * threshold; the benchmark takes the raw top of `classifications` instead, so the same
 * validation-tuned threshold applies to every system.
 */
import { OOS, type Example } from './data';
import type { BenchSystem } from './system';

interface NlpResult {
  classifications?: { intent: string; score: number }[];
}
interface NlpManagerLike {
  addDocument(locale: string, utterance: string, intent: string): void;
  train(): Promise<unknown>;
  process(locale: string, utterance: string): Promise<NlpResult>;
}
type NlpManagerClass = new (settings: Record<string, unknown>) => NlpManagerLike;

export const nlpjs: BenchSystem = {
  name: 'nlpjs',
  async build(train: readonly Example[], bar) {
    // Loaded here, not at the top, so the other systems' processes do not pay for it.
    const { NlpManager } = require('node-nlp') as { NlpManager: NlpManagerClass };
    // `log` only reports training epochs (to the progress bar); it does not change the model.
    const log = (status: { iterations: number; error: number }) => bar.note(`epoch ${status.iterations}, loss ${status.error.toExponential(2)}`);
    const start = performance.now();
    const manager = new NlpManager({ languages: ['en'], forceNER: false, nlu: { log: bar.enabled ? log : false }, autoSave: false });
    for (const ex of train) if (ex.intent !== OOS) manager.addDocument('en', ex.text, ex.intent);
    await manager.train();
    const buildMs = performance.now() - start;
    return {
      buildMs,
      async match(text) {
        const top = (await manager.process('en', text)).classifications?.[0];
        // 'None' is NLP.js's own out-of-scope class (it adds it when no known word is present).
        return top && top.intent !== 'None' ? { intent: top.intent, score: top.score } : null;
      },
    };
  },
};
