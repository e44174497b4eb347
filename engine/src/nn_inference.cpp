// Conv-4 inference with fixed batch-norm statistics (nn.hpp: conv4_embed_running). It records no
// graph and uses no autograd op, so the browser module, which only embeds sketches, links none of them.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/kernels.hpp"
#include "metacog/nn.hpp"
#include "metacog/ops.hpp"

namespace metacog {

namespace {
std::string block(int i) { return "encoder." + std::to_string(i) + "."; }

/**
 * Conv-4 with fixed BN statistics and no graph recording: each block is one fused kernel
 *   relu(conv(h, W)·s + (β − μ·s)),  s = γ / √(σ² + ε)   (kernels::conv2d_affine_nhwc)
 * then the 2×2 max-pool; the same function as the op-by-op path, without its intermediate tensors.
 * Images go through all blocks a few at a time (BN with fixed statistics treats each image
 * independently), so the activations stay in cache instead of streaming ~20 MB per layer for a
 * batch of 100 through main memory.
 */
Tensor conv4_feature_maps_running(const Conv4Arch& arch, const ParamSet& p, const Tensor& x, const Buffers& running) {
  constexpr int64_t kGroup = 4;  // images per pass through the network
  const int64_t stride = arch.pool == "max" ? 1 : 2, pad = 1;
  struct Block {
    const float* w;
    int64_t o, k, c;
    std::vector<float> scale, shift;
  };
  std::vector<Block> blocks;
  for (int i = 0; i < arch.blocks; ++i) {
    const std::string b = block(i);
    const Tensor& w = p.get(b + "conv.weight").value();
    const Tensor& gamma = p.get(b + "bn.weight").value();
    const Tensor& beta = p.get(b + "bn.bias").value();
    const Tensor& mean = running.at(b + "bn.running_mean");
    const Tensor& var = running.at(b + "bn.running_var");
    const int64_t o = w.dim(0);
    require(w.ndim() == 4 && mean.numel() == o && var.numel() == o && gamma.numel() == o && beta.numel() == o,
            ErrorCode::InvalidArgument, "conv4: parameter shapes do not match");
    Block blk{w.data(), o, w.dim(1), w.dim(3), std::vector<float>(static_cast<size_t>(o)), std::vector<float>(static_cast<size_t>(o))};
    for (int64_t j = 0; j < o; ++j) {
      const float s = gamma[j] * (1.0f / std::sqrt(var[j] + arch.bn_eps));
      blk.scale[static_cast<size_t>(j)] = s;
      blk.shift[static_cast<size_t>(j)] = beta[j] - mean[j] * s;
    }
    blocks.push_back(std::move(blk));
  }
  // shapes of one image through the blocks (validates channels and sizes once)
  Shape s1{1, x.dim(1), x.dim(2), x.dim(3)};
  size_t max_conv = 0, max_pool = 0;
  for (const Block& blk : blocks) {
    const Conv2dGeometry g = Conv2dGeometry::make(s1, blk.k, stride, pad);
    require(blk.c == g.c, ErrorCode::InvalidArgument, "conv4: weight channels do not match the input");
    max_conv = std::max(max_conv, static_cast<size_t>(g.ho * g.wo * blk.o));
    s1 = arch.pool == "max" ? Shape{1, g.ho / 2, g.wo / 2, blk.o} : Shape{1, g.ho, g.wo, blk.o};
    max_pool = std::max(max_pool, static_cast<size_t>(shape_numel(s1)));
  }
  const int64_t n = x.dim(0), per_out = shape_numel(s1);
  Tensor out = Tensor::empty({n, s1[1], s1[2], s1[3]});
  std::vector<float> conv_buf(max_conv * kGroup), pool_a(max_pool * kGroup), pool_b(max_pool * kGroup);
  for (int64_t b0 = 0; b0 < n; b0 += kGroup) {
    const int64_t nb = std::min(kGroup, n - b0);
    const float* in = x.data() + b0 * x.dim(1) * x.dim(2) * x.dim(3);
    Shape s{nb, x.dim(1), x.dim(2), x.dim(3)};
    for (size_t i = 0; i < blocks.size(); ++i) {
      const Block& blk = blocks[i];
      const Conv2dGeometry g = Conv2dGeometry::make(s, blk.k, stride, pad);
      const bool last = i + 1 == blocks.size();
      float* pooled = last ? out.data() + b0 * per_out : (i % 2 == 0 ? pool_a.data() : pool_b.data());
      float* conv_out = arch.pool == "max" ? conv_buf.data() : pooled;
      kernels::conv2d_affine_nhwc(in, g.n, g.h, g.w, g.c, blk.w, blk.o, blk.k, stride, pad, g.ho, g.wo,
                                  blk.scale.data(), blk.shift.data(), true, conv_out);
      if (arch.pool == "max") {
        kernels::max_pool2x2_nhwc<float>(conv_out, g.n, g.ho, g.wo, blk.o, pooled, nullptr);
        s = {nb, g.ho / 2, g.wo / 2, blk.o};
      } else {
        s = {nb, g.ho, g.wo, blk.o};
      }
      in = pooled;
    }
  }
  return out;
}
}  // namespace

Tensor conv4_embed_running(const Conv4Arch& arch, const ParamSet& p, const Tensor& x, const Buffers& running) {
  require(x.ndim() == 4 && x.dim(1) == arch.image_size && x.dim(2) == arch.image_size && x.dim(3) == arch.in_channels,
          ErrorCode::InvalidArgument, "conv4: expected images [N, " + std::to_string(arch.image_size) + ", " +
                                          std::to_string(arch.image_size) + ", " + std::to_string(arch.in_channels) + "]");
  const Tensor h = conv4_feature_maps_running(arch, p, x, running);
  const int64_t n = h.dim(0), c = h.dim(3), hw = h.dim(1) * h.dim(2);
  if (arch.readout != "mean") return h.reshape({n, hw * c});
  // global average pool (as ops global_avg_pool): e[b, j] = (1 / HW) · Σ_{y,x} h[b, y, x, j]
  Tensor e = Tensor::zeros({n, c});
  for (int64_t b = 0; b < n; ++b) {
    const float* src = h.data() + b * hw * c;
    float* dst = e.data() + b * c;
    for (int64_t q = 0; q < hw; ++q)
      for (int64_t j = 0; j < c; ++j) dst[j] += src[q * c + j];
    for (int64_t j = 0; j < c; ++j) dst[j] *= 1.0f / static_cast<float>(hw);
  }
  return e;
}

}  // namespace metacog
