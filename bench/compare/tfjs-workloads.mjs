// The benchmark workloads written in TensorFlow.js, built from the inputs and weights that the
// metacog workloads export (wasm/bench_compare.cpp), so both compute the same function:
//   gemm(w)        C = A·B
//   conv4(w)       ProtoNet Conv-4, BN in inference mode; two TF.js formulations:
//                    layers: conv2d → batchNorm → relu → maxPool (what tf.layers would run)
//                    fused:  fused.conv2d with BN folded into filter and bias, relu fused → maxPool
//   protonet(w)    Conv-4 on support + queries, class means, ‖q − c‖² = ‖q‖² − 2q·c + ‖c‖²,
//                  logSoftmax(−d)
//   reptile(w)     one Reptile step of the learner model (learner_model.hpp (1)–(5),
//                  learner_train.hpp): the task loss L(W) = Σ_t softplus(ℓ_t) − y_t ℓ_t with
//                    ℓ_t = z_t + φ_t·g_t,  z_t = w₂·relu(W₁ in_t + b₁) + b₂ − b_{i_t},
//                    in_t = [x̂_t, e_{s_t}, h¹_t ⊙ e_{s_t}, …, h^C_t ⊙ e_{s_t}],
//                    h^c_t = Σ_{j<t} λ_c^{t−1−j} a_{row_j}  (= D_c · A, D_c lower-triangular),
//                    g_t = (1, P e_{s_t}, relu(W₁ in_t + b₁)),
//                  φ_t from the inner loop (5) run online in plain JS on (z_j, g_j)_{j<t}
//                  (first order: φ_t − φ₀ is a constant, as in metacog's training), gradients by
//                  tf.variableGrads, then an SGD step.
// Each builder returns { run(), output() (a Float32Array, computed outside any timing),
// dispose() }.

/** HWIO filter [3, 3, C, O] from metacog's OHWI weights [O, 3, 3, C]. */
function hwio(tf, ohwi, o, c) {
  return tf.tidy(() => tf.transpose(tf.tensor4d(ohwi, [o, 3, 3, c]), [1, 2, 3, 0]));
}

/** The Conv-4 weights as TF.js tensors, in both formulations. */
function conv4Weights(tf, weights, blocks = 4, hidden = 64, eps = 1e-5) {
  const layers = [];
  for (let i = 0; i < blocks; ++i) {
    const p = (n) => weights[`encoder.${i}.${n}`];
    const c = i === 0 ? 1 : hidden;
    const gamma = p('bn.weight'), beta = p('bn.bias'), mean = p('bn.running_mean'), variance = p('bn.running_var');
    // folded: W' = W·s, b' = β − μ·s with s = γ/√(σ² + ε)
    const scale = new Float32Array(hidden), shift = new Float32Array(hidden);
    for (let j = 0; j < hidden; ++j) {
      scale[j] = gamma[j] / Math.sqrt(variance[j] + eps);
      shift[j] = beta[j] - mean[j] * scale[j];
    }
    const w = p('conv.weight');
    const folded = new Float32Array(w.length);
    for (let k = 0; k < w.length; ++k) folded[k] = w[k] * scale[Math.floor(k / (9 * c))];
    layers.push({
      filter: hwio(tf, w, hidden, c),
      gamma: tf.tensor1d(gamma), beta: tf.tensor1d(beta), mean: tf.tensor1d(mean), variance: tf.tensor1d(variance),
      foldedFilter: hwio(tf, folded, hidden, c), foldedBias: tf.tensor1d(shift),
    });
  }
  return { layers, eps };
}

function disposeConv4(cw) {
  for (const l of cw.layers) for (const t of Object.values(l)) t.dispose();
}

/** Embeddings [N, 64] of x [N, 28, 28, 1]. */
function conv4Embed(tf, cw, x, variant) {
  return tf.tidy(() => {
    let h = x;
    for (const l of cw.layers) {
      if (variant === 'fused') {
        h = tf.fused.conv2d({ x: h, filter: l.foldedFilter, strides: 1, pad: 'same', bias: l.foldedBias, activation: 'relu' });
      } else {
        h = tf.relu(tf.batchNorm(tf.conv2d(h, l.filter, 1, 'same'), l.mean, l.variance, l.beta, l.gamma, cw.eps));
      }
      h = tf.maxPool(h, 2, 2, 'valid');
    }
    return tf.reshape(h, [h.shape[0], -1]);
  });
}

export function gemm(tf, { n, a, b }) {
  const A = tf.tensor2d(a, [n, n]), B = tf.tensor2d(b, [n, n]);
  return {
    run() { tf.matMul(A, B).dispose(); },
    output() { const c = tf.matMul(A, B); const out = c.dataSync().slice(); c.dispose(); return out; },
    dispose() { A.dispose(); B.dispose(); },
  };
}

export function conv4(tf, { images, x, weights }, variant) {
  const cw = conv4Weights(tf, weights);
  const X = tf.tensor4d(x, [images, 28, 28, 1]);
  return {
    run() { conv4Embed(tf, cw, X, variant).dispose(); },
    output() { const y = conv4Embed(tf, cw, X, variant); const out = y.dataSync().slice(); y.dispose(); return out; },
    dispose() { X.dispose(); disposeConv4(cw); },
  };
}

export function protonet(tf, { nWay, kShot, nQuery, images, weights }, variant) {
  const cw = conv4Weights(tf, weights);
  const ns = nWay * kShot, nq = nWay * nQuery;
  const X = tf.tensor4d(images, [ns + nq, 28, 28, 1]);
  const logProbs = () => tf.tidy(() => {
    const z = conv4Embed(tf, cw, X, variant);
    const support = tf.slice(z, [0, 0], [ns, -1]);
    const query = tf.slice(z, [ns, 0], [nq, -1]);
    const protos = tf.mean(tf.reshape(support, [nWay, kShot, -1]), 1);
    const d = tf.add(tf.sub(tf.sum(tf.square(query), 1, true), tf.mul(2, tf.matMul(query, protos, false, true))),
      tf.sum(tf.square(protos), 1));
    return tf.logSoftmax(tf.neg(d));
  });
  return {
    run() { logProbs().dispose(); },
    output() { const y = logProbs(); const out = y.dataSync().slice(); y.dispose(); return out; },
    dispose() { X.dispose(); disposeConv4(cw); },
  };
}

/**
 * The inner loop (5) of learner_model.hpp, online: φ_t for t = 0..T−1 from z [T], g [T·W].
 * Per response t (after pushing (z_t, g_t, y_t) into the ring of the last N), K steps of
 *   ∇ = κ(φ − φ₀) + Σ_j (σ(z_j + φ·g_j) − y_j) g_j,   F = κ + Σ_j p_j(1 − p_j) g_j²,   φ ← φ − α ∇ ⊘ F.
 */
export function adaptFastWeights(arch, z, g, y, phi0) {
  const T = z.length, W = phi0.length, N = arch.inner_window;
  const phi = Float64Array.from(phi0), grad = new Float64Array(W), fisher = new Float64Array(W);
  const out = new Float32Array(T * W);
  for (let t = 0; t < T; ++t) {
    out.set(phi, t * W);
    const j0 = Math.max(0, t + 1 - N);
    for (let step = 0; step < arch.inner_steps; ++step) {
      for (let k = 0; k < W; ++k) { grad[k] = arch.prior_precision * (phi[k] - phi0[k]); fisher[k] = arch.prior_precision; }
      for (let j = j0; j <= t; ++j) {
        let l = z[j];
        const o = j * W;
        for (let k = 0; k < W; ++k) l += phi[k] * g[o + k];
        const p = 1 / (1 + Math.exp(-l)), r = p - y[j], c = p * (1 - p);
        for (let k = 0; k < W; ++k) { grad[k] += r * g[o + k]; fisher[k] += c * g[o + k] * g[o + k]; }
      }
      for (let k = 0; k < W; ++k) phi[k] -= arch.inner_lr * grad[k] / fisher[k];
    }
  }
  return out;
}

/** Named meta-parameters of a learner model: { name: { offset, shape } } (learner_model.hpp). */
export function learnerShapes(arch, layout) {
  const S1 = arch.num_skills + 1, d = arch.dim, H = arch.hidden;
  const nIn = 27 + d * (1 + arch.decays.length), W = 1 + arch.rank + (arch.adapt_output ? H : 0);
  return {
    skill_embedding: { offset: layout.skill_embedding, shape: [S1, d] },
    interaction_embedding: { offset: layout.interaction_embedding, shape: [2 * S1, d] },
    item_difficulty: { offset: layout.item_difficulty, shape: [arch.num_items] },
    w1: { offset: layout.w1, shape: [H, nIn] },
    b1: { offset: layout.b1, shape: [H] },
    w2: { offset: layout.w2, shape: [1, H] },
    b2: { offset: layout.b2, shape: [1] },
    projection: { offset: layout.projection, shape: [arch.rank, d] },
    fast_init: { offset: layout.fast_init, shape: [W] },
  };
}

export function reptile(tf, { model, trace, lr = 1e-3 }) {
  const arch = JSON.parse(model.arch);
  const shapes = learnerShapes(arch, model.layout);
  const T = trace.responses, F = trace.features, W = trace.fastSize;
  const size = (s) => s.reduce((a, b) => a * b, 1);
  const v = {};
  for (const [name, { offset, shape }] of Object.entries(shapes)) {
    v[name] = tf.variable(tf.tensor(Float32Array.from(model.params.subarray(offset, offset + size(shape))), shape), true, `learner/${name}`);
  }
  const xhat = tf.tensor2d(trace.featuresStd, [T, F]);
  // Row lookups as one-hot products: the wasm backend has no UnsortedSegmentSum, which the
  // gradient of tf.gather needs; a one-hot matMul is the same function with a matMul gradient.
  const oneHot = (idx, depth) => {
    const m = new Float32Array(idx.length * depth);
    idx.forEach((j, t) => { m[t * depth + j] = 1; });
    return tf.tensor2d(m, [idx.length, depth]);
  };
  const skill = oneHot(trace.skill, arch.num_skills + 1);
  const item = oneHot(trace.item, arch.num_items);
  const inter = oneHot(trace.interaction, 2 * (arch.num_skills + 1));
  const y = tf.tensor1d(trace.correct);
  const ones = tf.ones([T, 1]);
  // D_c[t, j] = λ_c^{t−1−j} for j < t (0⁰ = 1)
  const decays = arch.decays.map((lambda) => {
    const D = new Float32Array(T * T);
    for (let t = 0; t < T; ++t) for (let j = 0; j < t; ++j) D[t * T + j] = lambda ** (t - 1 - j);
    return tf.tensor2d(D, [T, T]);
  });
  const optimizer = tf.train.sgd(lr);
  const yJs = trace.correct;
  let lastPhi = null;

  const loss = () => {
    const e = tf.matMul(skill, v.skill_embedding);
    const a = tf.matMul(inter, v.interaction_embedding);
    const contexts = decays.map((D) => tf.mul(tf.matMul(D, a), e));
    const input = tf.concat([xhat, e, ...contexts], 1);
    const pre = tf.add(tf.matMul(input, v.w1, false, true), v.b1);
    const act = tf.relu(pre);
    const z = tf.sub(tf.reshape(tf.add(tf.matMul(act, v.w2, false, true), v.b2), [T]), tf.reshape(tf.matMul(item, tf.reshape(v.item_difficulty, [-1, 1])), [T]));
    const g = tf.concat([ones, tf.matMul(e, v.projection, false, true), act], 1);
    const phi0 = v.fast_init.dataSync();
    const phiT = adaptFastWeights(arch, z.dataSync(), g.dataSync(), yJs, phi0);
    lastPhi = phiT;
    const delta = new Float32Array(T * W);
    for (let k = 0; k < T * W; ++k) delta[k] = phiT[k] - phi0[k % W];
    const phi = tf.add(v.fast_init, tf.tensor2d(delta, [T, W]));
    const logit = tf.add(z, tf.sum(tf.mul(phi, g), 1));
    return tf.sum(tf.sub(tf.softplus(logit), tf.mul(y, logit)));
  };
  return {
    run() {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss);
        optimizer.applyGradients(grads);
        value.dispose();
      });
    },
    /** { loss, grads: { name: Float32Array }, phi: Float32Array } at the current parameters, no update. */
    gradient() {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss);
        const out = { loss: value.dataSync()[0], grads: {}, phi: lastPhi };
        for (const [name, t] of Object.entries(grads)) out.grads[name.replace('learner/', '')] = t.dataSync().slice();
        return out;
      });
    },
    shapes,
    dispose() {
      for (const t of [xhat, skill, item, inter, y, ones, ...decays, ...Object.values(v)]) t.dispose();
      optimizer.dispose();
    },
  };
}
