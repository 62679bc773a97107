import type { SparseVector } from './features';

/**
 * Multinomial logistic regression over the TF-IDF features: a discriminative model of which
 * entry a question belongs to, trained on the knowledge base's own sample questions. It learns
 * which words tell entries apart (where the cosine counts every shared word alike).
 *
 * Training is plain stochastic gradient descent with L2 decay, in a fixed pseudo-random order
 * from a fixed seed, so the same knowledge base always gives the same weights.
 */
export interface ClassifierOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty per example. */
  l2: number;
}

export const defaultClassifierOptions: ClassifierOptions = { epochs: 40, learningRate: 0.8, l2: 1e-4 };

export class Classifier {
  private constructor(
    readonly classes: number,
    private readonly features: number,
    /** Feature-major: weights[f * classes + c]. Reading one feature touches one contiguous block. */
    private readonly weights: Float64Array,
  ) {}

  static train(
    rows: readonly SparseVector[],
    labels: readonly number[],
    classes: number,
    features: number,
    options: ClassifierOptions = defaultClassifierOptions,
  ): Classifier {
    const w = new Float64Array(features * classes);
    const logits = new Float64Array(classes);
    const order = rows.map((_, i) => i);
    let seed = 0x2545f491;
    const random = () => {
      // xorshift32: tiny, fast and deterministic.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    // Weight decay is applied lazily through a global scale: w_true = scale * w.
    let scale = 1;
    let step = 0;
    const total = options.epochs * rows.length;
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const r of order) {
        const x = rows[r]!;
        const y = labels[r]!;
        const eta = options.learningRate * (1 - step / total) + 1e-3;
        step++;
        logits.fill(0);
        for (let k = 0; k < x.ids.length; k++) {
          const base = x.ids[k]! * classes;
          const v = x.values[k]! * scale;
          for (let c = 0; c < classes; c++) logits[c]! += v * w[base + c]!;
        }
        softmaxInPlace(logits);
        logits[y]! -= 1; // gradient of the loss with respect to each logit
        scale *= 1 - eta * options.l2;
        if (scale < 1e-6) {
          for (let i = 0; i < w.length; i++) w[i]! *= scale;
          scale = 1;
        }
        for (let k = 0; k < x.ids.length; k++) {
          const base = x.ids[k]! * classes;
          const g = (eta * x.values[k]!) / scale;
          for (let c = 0; c < classes; c++) w[base + c]! -= g * logits[c]!;
        }
      }
    }
    for (let i = 0; i < w.length; i++) w[i]! *= scale;
    return new Classifier(classes, features, w);
  }

  /** Raw class scores (logits) of a vector. */
  logits(x: SparseVector): Float64Array {
    const out = new Float64Array(this.classes);
    for (let k = 0; k < x.ids.length; k++) {
      const id = x.ids[k]!;
      if (id >= this.features) continue;
      const base = id * this.classes;
      const v = x.values[k]!;
      for (let c = 0; c < this.classes; c++) out[c]! += v * this.weights[base + c]!;
    }
    return out;
  }
}

/** Softmax of `values / temperature`, in place. */
export function softmaxInPlace(values: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.exp((values[i]! - max) / temperature);
    sum += values[i]!;
  }
  for (let i = 0; i < values.length; i++) values[i]! /= sum;
  return values;
}
