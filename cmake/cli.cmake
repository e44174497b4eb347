# Native command-line tool: build/metacog
add_executable(metacog ${METACOG_CLI_SOURCES})
target_link_libraries(metacog PRIVATE metacog_native)
target_compile_options(metacog PRIVATE ${METACOG_WARNINGS})
set_target_properties(metacog PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
# The native tests also run the CLI itself (tests/cpp/native/cli_tests.cpp).
add_dependencies(metacog_tests metacog)
target_compile_definitions(metacog_tests PRIVATE METACOG_CLI="$<TARGET_FILE:metacog>")
