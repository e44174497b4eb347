// Raw kernels against naive references: GEMM in every transpose combination (with the block
// edges of the SIMD128 kernel: K > 640, N blocks, M/N not multiples of the 4×8 tile), the fused
// inference convolution (the SIMD128 build's indirect path for c ≥ 4 and packed path for c < 4),
// 2×2 max-pooling with and without argmax, and Conv-4 inference (fused path) against the op-by-op
// graph path.
// Natively and in the wasm scalar build these test the portable path, in wasm SIMD the SIMD128 one.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "metacog/autograd.hpp"
#include "metacog/kernels.hpp"
#include "metacog/nn.hpp"
#include "metacog/rng.hpp"

using namespace metacog;

namespace {
std::vector<float> uniform(size_t n, Pcg32& rng) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}
}  // namespace

TEST_CASE("kernels: float GEMM matches the naive product for every transpose, α, β and block edge") {
  Pcg32 rng(91);
  struct Case {
    int m, n, k;
  };
  const Case cases[] = {{1, 1, 1}, {3, 5, 7}, {4, 8, 16}, {13, 29, 33}, {37, 150, 700}, {66, 9, 1300}, {5, 130, 641}};
  for (const Case& cs : cases) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const float alpha = t == 3 ? -0.5f : 1.0f, beta = t >= 2 ? 0.75f : 0.0f;
      const std::vector<float> a = uniform(static_cast<size_t>(cs.m) * cs.k, rng);
      const std::vector<float> b = uniform(static_cast<size_t>(cs.k) * cs.n, rng);
      std::vector<float> c = uniform(static_cast<size_t>(cs.m) * cs.n, rng);
      const std::vector<float> c0 = c;
      kernels::gemm<float>(ta, tb, cs.m, cs.n, cs.k, alpha, a.data(), b.data(), beta, c.data());
      double worst = 0;
      for (int i = 0; i < cs.m; ++i) {
        for (int j = 0; j < cs.n; ++j) {
          double s = 0;
          for (int q = 0; q < cs.k; ++q) {
            s += static_cast<double>(ta ? a[q * cs.m + i] : a[i * cs.k + q]) * (tb ? b[j * cs.k + q] : b[q * cs.n + j]);
          }
          const double want = alpha * s + beta * c0[i * cs.n + j];
          worst = std::max(worst, std::fabs(want - c[i * cs.n + j]));
        }
      }
      INFO("m=" << cs.m << " n=" << cs.n << " k=" << cs.k << " trans_a=" << ta << " trans_b=" << tb);
      CHECK(worst < 2e-5 * std::sqrt(static_cast<double>(cs.k)) + 1e-6);
    }
  }
}

TEST_CASE("kernels: fused inference convolution = conv → per-channel affine → ReLU") {
  Pcg32 rng(17);
  struct Case {
    int n, h, c, o, k, stride, pad;
  };
  const Case cases[] = {{3, 28, 1, 64, 3, 1, 1}, {2, 7, 64, 64, 3, 1, 1}, {2, 9, 5, 13, 3, 2, 1},
                        {1, 6, 3, 7, 1, 1, 0},   {2, 11, 80, 10, 3, 2, 1},  // 9·80 > one K block
                        {1, 16, 3, 9, 15, 1, 7}};  // 225·3 > one K block with c < 4 (im2col route)
  for (const Case& s : cases) {
    const int ho = (s.h + 2 * s.pad - s.k) / s.stride + 1;
    const std::vector<float> x = uniform(static_cast<size_t>(s.n) * s.h * s.h * s.c, rng);
    const std::vector<float> w = uniform(static_cast<size_t>(s.o) * s.k * s.k * s.c, rng);
    const std::vector<float> scale = uniform(static_cast<size_t>(s.o), rng), shift = uniform(static_cast<size_t>(s.o), rng);
    for (const bool relu : {false, true}) {
      std::vector<float> y(static_cast<size_t>(s.n) * ho * ho * s.o);
      kernels::conv2d_affine_nhwc<float>(x.data(), s.n, s.h, s.h, s.c, w.data(), s.o, s.k, s.stride, s.pad, ho, ho,
                                         scale.data(), shift.data(), relu, y.data());
      double worst = 0;
      for (int b = 0; b < s.n; ++b) {
        for (int oy = 0; oy < ho; ++oy) {
          for (int ox = 0; ox < ho; ++ox) {
            for (int o = 0; o < s.o; ++o) {
              double acc = 0;
              for (int ky = 0; ky < s.k; ++ky) {
                for (int kx = 0; kx < s.k; ++kx) {
                  const int iy = oy * s.stride - s.pad + ky, ix = ox * s.stride - s.pad + kx;
                  if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.h) continue;
                  for (int ch = 0; ch < s.c; ++ch) {
                    acc += static_cast<double>(x[((b * s.h + iy) * s.h + ix) * s.c + ch]) *
                           w[((o * s.k + ky) * s.k + kx) * s.c + ch];
                  }
                }
              }
              double want = acc * scale[o] + shift[o];
              if (relu && want < 0) want = 0;
              worst = std::max(worst, std::fabs(want - y[((b * ho + oy) * ho + ox) * s.o + o]));
            }
          }
        }
      }
      INFO("h=" << s.h << " c=" << s.c << " o=" << s.o << " stride=" << s.stride << " relu=" << relu);
      CHECK(worst < 1e-4);
    }
  }
}

TEST_CASE("kernels: 2×2 max-pool — values-only path equals the argmax path and the definition") {
  Pcg32 rng(23);
  struct Case {
    int n, h, w, c;
  };
  for (const Case& s : {Case{2, 28, 28, 64}, Case{3, 7, 7, 64}, Case{1, 5, 6, 3}, Case{2, 4, 9, 1}}) {
    std::vector<float> x = uniform(static_cast<size_t>(s.n) * s.h * s.w * s.c, rng);
    for (size_t i = 0; i < x.size(); i += 7) x[i] = x[i + 1 < x.size() ? i + 1 : i];  // some ties
    const int ho = s.h / 2, wo = s.w / 2;
    const size_t out = static_cast<size_t>(s.n) * ho * wo * s.c;
    std::vector<float> with_argmax(out), values(out, -7.0f);
    std::vector<int32_t> argmax(out);
    kernels::max_pool2x2_nhwc<float>(x.data(), s.n, s.h, s.w, s.c, with_argmax.data(), argmax.data());
    kernels::max_pool2x2_nhwc<float>(x.data(), s.n, s.h, s.w, s.c, values.data(), nullptr);
    int wrong = 0;
    for (int b = 0; b < s.n; ++b) {
      for (int oy = 0; oy < ho; ++oy) {
        for (int ox = 0; ox < wo; ++ox) {
          for (int ch = 0; ch < s.c; ++ch) {
            float want = -1e30f;
            for (int dy = 0; dy < 2; ++dy)
              for (int dx = 0; dx < 2; ++dx)
                want = std::max(want, x[((static_cast<size_t>(b) * s.h + 2 * oy + dy) * s.w + 2 * ox + dx) * s.c + ch]);
            const size_t o = ((static_cast<size_t>(b) * ho + oy) * wo + ox) * s.c + ch;
            wrong += values[o] != want || with_argmax[o] != want || x[static_cast<size_t>(argmax[o])] != want;
          }
        }
      }
    }
    INFO("n=" << s.n << " h=" << s.h << " w=" << s.w << " c=" << s.c);
    CHECK(wrong == 0);
  }
}

TEST_CASE("nn: Conv-4 inference (fused, no graph) equals the op-by-op forward with running statistics") {
  for (const auto& variant : {std::pair{"max", "flatten"}, std::pair{"stride2", "flatten"}, std::pair{"max", "mean"}}) {
    const std::string pool = variant.first, readout = variant.second;  // (clang 14: no structured bindings in INFO)
    Conv4Arch arch;
    arch.pool = pool;
    arch.readout = readout;
    Pcg32 rng(5);
    ParamSet p = conv4_init(arch, rng);
    Buffers buffers = conv4_buffers(arch);
    for (int i = 0; i < arch.blocks; ++i) {  // non-trivial batch norm
      const std::string b = "encoder." + std::to_string(i) + ".";
      Tensor gamma = p.get(b + "bn.weight").value(), beta = p.get(b + "bn.bias").value();
      for (int64_t j = 0; j < arch.hidden; ++j) {
        gamma[j] = rng.uniform(0.5f, 1.5f);
        beta[j] = rng.uniform(-0.2f, 0.2f);
        buffers.at(b + "bn.running_mean")[j] = rng.uniform(-0.2f, 0.2f);
        buffers.at(b + "bn.running_var")[j] = rng.uniform(0.5f, 1.5f);
      }
    }
    const Tensor x = uniform_tensor({7, 28, 28, 1}, 1.0f, rng);  // 7: not a multiple of the image group
    const Tensor graph = conv4_embed(arch, p, Var(x), BnMode::Running, &buffers).value();
    Tensor fused;
    {
      NoGradGuard no_grad;
      fused = conv4_embed(arch, p, Var(x), BnMode::Running, &buffers).value();
    }
    // the sketch classifier's entry point: the same function without a Var
    const Tensor direct = conv4_embed_running(arch, p, x, buffers);
    REQUIRE(fused.shape() == graph.shape());
    REQUIRE(direct.shape() == Shape({7, arch.embedding_dim()}));
    double worst = 0, scale = 0;
    for (int64_t i = 0; i < graph.numel(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(fused[i] - graph[i])));
      scale = std::max(scale, static_cast<double>(std::fabs(graph[i])));
      CHECK(direct[i] == fused[i]);
    }
    INFO("pool=" << pool << " readout=" << readout);
    CHECK(scale > 0.1);
    CHECK(worst <= 1e-4 * scale);
  }
}
