// engine/cli/command.hpp — how CLI subcommands register themselves.
//
// Each subcommand lives in its own file (cmd_<name>.cpp) and registers a setup function at static
// initialisation time:
//     static const bool registered = metacog::cli::register_command(&add_info_command);
// where add_info_command(CLI::App& app) adds the subcommand, whose callback calls
//     metacog::cli::run_command([=] { ...; return 0; });
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace metacog::cli {

using CommandSetup = void (*)(CLI::App& app);

/** Registers a subcommand setup function; returns true (for static initialisation). */
bool register_command(CommandSetup setup);

/**
 * Runs a subcommand body from its CLI11 callback. Its return value becomes the process exit
 * code; a metacog::Error (or any exception) is printed as `error: CODE: message` → exit 1.
 */
void run_command(const std::function<int()>& body);

/**
 * Runs `body`; when `option` was left at its default `path`, a relative one that does not exist
 * from the working directory, and an IO error names that path, the error says so and how to give
 * another (`or_else`: one more way, e.g. how to create the file):
 *     "cannot open models/simulator-params.json: … (the default --params, relative to the working
 *      directory /tmp: run from the repository root, pass --params, or create it with …)"
 */
int with_default_path_hint(bool option_given, const std::string& option, const std::string& path,
                           const std::function<int()>& body, const std::string& or_else = "");

}  // namespace metacog::cli
