// metacog/hash.hpp — FNV-1a-64 (Fowler–Noll–Vo), the engine's checksum for its own binary caches and
// fingerprints: h ← (h ⊕ byte) · 1099511628211, from h = 14695981039346656037. Not cryptographic.
#pragma once

#include <cstddef>
#include <cstdint>

namespace metacog {

inline uint64_t fnv1a64(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace metacog
