// tests/fuzz/fuzz_target.cpp — the libFuzzer entry point, built once per check of fuzz_checks.hpp
// (cmake/fuzz.cmake defines METACOG_FUZZ_CHECK, e.g. check_item_bank). Run by `npm run fuzz`.
#include <cstddef>
#include <cstdint>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  metacog::fuzz::METACOG_FUZZ_CHECK(data, size);
  return 0;
}
