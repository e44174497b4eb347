# Source lists, one line per file (explicit lists: a new file is a reviewed change).
set(METACOG_ENGINE_SOURCES
  engine/src/error.cpp
  engine/src/prototypes.cpp
)
set(METACOG_TEST_SOURCES
  tests/cpp/main.cpp
  tests/cpp/prototypes_tests.cpp
)
set(METACOG_CLI_SOURCES
  engine/cli/main.cpp
)
set(METACOG_WASM_SOURCES
  wasm/prototypes.cpp
)
