# Source lists: every .cpp in these folders (CONFIGURE_DEPENDS re-globs when files are added).
file(GLOB METACOG_ENGINE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/engine/src/*.cpp)
file(GLOB METACOG_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cpp/*.cpp)
file(GLOB METACOG_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/engine/cli/*.cpp)
file(GLOB METACOG_WASM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/wasm/*.cpp)
# Benchmark-only bindings (bench/): linked into a separate module, never into the shipped one.
file(GLOB METACOG_WASM_BENCH_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/wasm/bench/*.cpp)
# Native-only engine sources (file formats that need libzip / stb) live in engine/src/native/.
file(GLOB METACOG_NATIVE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/engine/src/native/*.cpp)
set_source_files_properties(${CMAKE_SOURCE_DIR}/engine/src/rng.cpp PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
file(GLOB METACOG_NATIVE_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cpp/native/*.cpp)
