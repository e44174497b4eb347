# Native command-line tool: build/metacog
add_executable(metacog ${METACOG_CLI_SOURCES})
target_link_libraries(metacog PRIVATE metacog_native)
target_compile_options(metacog PRIVATE ${METACOG_WARNINGS})
set_target_properties(metacog PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
