// metacog — the native command-line tool (meta-train, evaluate, inspect, benchmark).
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "version") == 0)) {
    std::printf("metacog %s\n", METACOG_VERSION);
    return 0;
  }
  std::fprintf(stderr, "usage: metacog --version\n");
  return 2;
}
