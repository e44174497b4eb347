// engine/cli/validators.hpp — checks of option values shared by the subcommands, with messages that
// name the rule: CLI11 2.1's PositiveNumber reads "Value 0 not in range 0.000000 to 1.79…e308",
// and an unsigned option takes "-1" as 2^64 − 1 (strtoull) and silently caps larger numbers.
//
//     cmd->add_option("--way", o->way)->check(positive());
//     cmd->add_option("--seed", o->seed)->check(seed_value());
//     cmd->add_option("--threshold", o->threshold)->check(in_range(0, 1));
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace metacog::cli {

/** A number > 0 (finite). */
inline CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v) || !std::isfinite(v) || v <= 0) return "must be a number > 0, got " + s;
        return {};
      },
      "> 0");
}

/** A number ≥ 0 (finite). */
inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v) || !std::isfinite(v) || v < 0) return "must be a number >= 0, got " + s;
        return {};
      },
      ">= 0");
}

/** A number in [lo, hi] (CLI::Range lets NaN through: every comparison with it is false). */
inline CLI::Validator in_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v) || !(v >= lo && v <= hi)) {
          return "must be a number from " + CLI::detail::to_string(lo) + " to " + CLI::detail::to_string(hi) + ", got " + s;
        }
        return {};
      },
      "[" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + "]");
}

/** A seed: decimal digits only, 0 to 2^64 − 1 (no sign, no wrap-around, no silent cap). */
inline CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
          return "must be an integer from 0 to 18446744073709551615, got " + s;
        }
        return {};
      },
      "SEED");
}

}  // namespace metacog::cli
