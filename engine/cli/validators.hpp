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

/** A number for which `ok` holds (`rule` names it in the message: "must be a number <rule>, got …"). */
template <class Ok>
CLI::Validator number_where(Ok ok, const std::string& rule) {
  return CLI::Validator(
      [ok, rule](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v) || !ok(v)) return "must be a number " + rule + ", got " + s;
        return {};
      },
      rule);
}

/** A number > 0 (finite). */
inline CLI::Validator positive() {
  return number_where([](double v) { return std::isfinite(v) && v > 0; }, "> 0");
}

/** A number ≥ 0 (finite). */
inline CLI::Validator non_negative() {
  return number_where([](double v) { return std::isfinite(v) && v >= 0; }, ">= 0");
}

/** A number in [lo, hi] (CLI::Range lets NaN through: every comparison with it is false). */
inline CLI::Validator in_range(double lo, double hi) {
  return number_where([lo, hi](double v) { return v >= lo && v <= hi; },
                      "from " + CLI::detail::to_string(lo) + " to " + CLI::detail::to_string(hi));
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
