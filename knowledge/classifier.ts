import type { SparseVector } from './features';

/**
 * Softmax (multinomial logistic) regression over the TF-IDF features: a discriminative model
 * of which entry a question belongs to, trained on the knowledge base's own sample questions.
 * It learns which features tell entries apart, where a cosine counts every shared word alike.
 *
 * Training is stochastic gradient descent with a linearly decaying step and L2 decay, in a
 * fixed pseudo-random order from a fixed seed, so the same knowledge base always gives the
 * same weights. Two things keep it fast enough for thousands of sample questions:
 *  - weights are stored feature-major (one contiguous row of classes per feature), and
 *  - a step only updates the classes whose gradient is not negligible: after the first pass
 *    most classes have a probability near zero for most questions.
 */
export interface ClassifierOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty per example. */
  l2: number;
}

export const defaultClassifierOptions: ClassifierOptions = { epochs: 10, learningRate: 1, l2: 1e-5 };

/** Gradients smaller than this are skipped (see above). */
const NEGLIGIBLE = 1e-2;

export class Classifier {
  private constructor(
    readonly classes: number,
    /** Feature-major: weights[f * classes + c]. */
    private readonly weights: Float32Array,
    private readonly bias: Float32Array,
  ) {}

  static train(
    rows: readonly SparseVector[],
    labels: readonly number[],
    classes: number,
    features: number,
    options: ClassifierOptions = defaultClassifierOptions,
  ): Classifier {
    const w = new Float32Array(features * classes);
    const bias = new Float32Array(classes);
    const p = new Float64Array(classes);
    const active = new Int32Array(classes);
    const order = rows.map((_, i) => i);
    let seed = 0x2545f491;
    const random = () => {
      // xorshift32: tiny, fast and deterministic.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    // L2 decay is applied lazily through one global scale: the true weights are scale * w.
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
        const eta = options.learningRate * (1 - step / total) + 1e-4;
        step++;
        p.set(bias);
        addRows(p, x, w, classes, scale);
        softmaxInPlace(p);
        p[labels[r]!]! -= 1; // now the gradient of the loss with respect to each logit
        let n = 0;
        for (let c = 0; c < classes; c++) if (p[c]! > NEGLIGIBLE || p[c]! < -NEGLIGIBLE) active[n++] = c;

        scale *= 1 - eta * options.l2;
        if (scale < 1e-3) {
          for (let i = 0; i < w.length; i++) w[i]! *= scale;
          scale = 1;
        }
        for (let a = 0; a < n; a++) bias[active[a]!]! -= eta * p[active[a]!]!;
        for (let k = 0; k < x.ids.length; k++) {
          const base = x.ids[k]! * classes;
          const g = (eta * x.values[k]!) / scale;
          for (let a = 0; a < n; a++) w[base + active[a]!]! -= g * p[active[a]!]!;
        }
      }
    }
    for (let i = 0; i < w.length; i++) w[i]! *= scale;
    return new Classifier(classes, w, bias);
  }

  /** Raw class scores (logits) of a vector. */
  logits(x: SparseVector): Float64Array {
    const out = Float64Array.from(this.bias);
    addRows(out, x, this.weights, this.classes, 1);
    return out;
  }
}

/**
 * out += scale * Σ x_k · W[row of feature k]: the hot loop of training and prediction.
 * Unrolled by four, which V8 runs about a third faster than the plain loop.
 */
function addRows(out: Float64Array, x: SparseVector, w: Float32Array, classes: number, scale: number): void {
  for (let k = 0; k < x.ids.length; k++) {
    const base = x.ids[k]! * classes;
    const v = x.values[k]! * scale;
    let c = 0;
    for (; c + 3 < classes; c += 4) {
      out[c]! += v * w[base + c]!;
      out[c + 1]! += v * w[base + c + 1]!;
      out[c + 2]! += v * w[base + c + 2]!;
      out[c + 3]! += v * w[base + c + 3]!;
    }
    for (; c < classes; c++) out[c]! += v * w[base + c]!;
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
