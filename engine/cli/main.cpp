// metacog — the native command-line tool (meta-train, evaluate, inspect, benchmark).
// Subcommands register themselves from their own files (see command.hpp).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "command.hpp"
#include "metacog/error.hpp"

namespace metacog::cli {

static std::vector<CommandSetup>& registry() {
  static std::vector<CommandSetup> r;
  return r;
}

bool register_command(CommandSetup setup) {
  registry().push_back(setup);
  return true;
}

static int g_exit_code = 0;

void run_command(const std::function<int()>& body) {
  try {
    g_exit_code = body();
    return;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s: %s\n", error_code_name(e.code()), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  g_exit_code = 1;
}

int with_default_path_hint(bool option_given, const std::string& option, const std::string& path,
                           const std::function<int()>& body, const std::string& or_else) {
  try {
    return body();
  } catch (const Error& e) {
    const std::string what = e.what();
    std::error_code ec;
    if (option_given || e.code() != ErrorCode::Io || std::filesystem::path(path).is_absolute() ||
        what.find(path) == std::string::npos || std::filesystem::exists(path, ec))
      throw;
    const std::string cwd = std::filesystem::current_path(ec).string();
    throw Error(ErrorCode::Io, what + " (the default " + option + ", relative to the working directory" +
                                   (ec ? std::string() : " " + cwd) + ": run from the repository root, pass " + option +
                                   (or_else.empty() ? "" : ", or " + or_else) + ")");
  }
}

int exit_code() { return g_exit_code; }

}  // namespace metacog::cli

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Training allocates and frees the same large activation buffers every episode; keep them in the
  // heap instead of mmap/munmap each time (page faults were ~15 % of a ProtoNet episode).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  CLI::App app{"metacog — meta-learning engine: train, evaluate and inspect models"};
  app.set_version_flag("--version", std::string("metacog ") + METACOG_VERSION);
  app.require_subcommand(1);
  for (auto setup : metacog::cli::registry()) setup(app);
  try {
    // CLI11 would report an unknown first word as "A subcommand is required"; name it instead
    if (argc > 1 && argv[1][0] != '-') {
      std::string names;
      bool known = false;
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        known = known || sub->get_name() == argv[1];
        names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      if (!known) {
        throw CLI::ExtrasError(std::string("unknown subcommand '") + argv[1] + "'; the subcommands are " + names,
                               CLI::ExitCodes::ExtrasError);
      }
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return metacog::cli::exit_code();
}
