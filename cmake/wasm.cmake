# WebAssembly module for the JS library: dist/metacog-<flavor>.mjs + .wasm (ES module factory).
# -sDYNAMIC_EXECUTION=0: no eval/new Function in the glue, so a strict CSP works.
# The glue is built for web/worker; the JS loader passes the wasm bytes itself (instantiateWasm),
# which is also how it loads under Node 20 (design.md §6).
# The benchmark module (bench/: `npm run bench`, bench:core) is the same bindings plus wasm/bench/*.cpp,
# written to dist/bench/ under the same file names (so the library's loader finds it with a baseUrl);
# it is not part of the package, and the benchmark bindings cost the shipped module nothing.
set(METACOG_DIST_DIR ${CMAKE_SOURCE_DIR}/dist CACHE PATH "Where the wasm modules go")
set(METACOG_WASM_LINK_OPTIONS
  --bind -O3
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createMetacogModule
  -sENVIRONMENT=web,worker -sDYNAMIC_EXECUTION=0 -sFILESYSTEM=0
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sTOTAL_STACK=1MB
  -sINCOMING_MODULE_JS_API=[instantiateWasm,print,printErr]
)
# The bindings only marshal: compiled for size (the engine's hot code keeps -O3, CMakeLists.txt).
set_property(SOURCE ${METACOG_WASM_SOURCES} APPEND PROPERTY COMPILE_OPTIONS -Oz)
foreach(target metacog_wasm metacog_wasm_bench)
  if(target STREQUAL metacog_wasm)
    add_executable(${target} ${METACOG_WASM_SOURCES})
    set(out_dir ${METACOG_DIST_DIR})
  else()
    add_executable(${target} ${METACOG_WASM_SOURCES} ${METACOG_WASM_BENCH_SOURCES})
    set(out_dir ${METACOG_DIST_DIR}/bench)
  endif()
  target_link_libraries(${target} PRIVATE metacog_engine)
  target_compile_options(${target} PRIVATE ${METACOG_WARNINGS})
  target_link_options(${target} PRIVATE ${METACOG_WASM_LINK_OPTIONS})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME metacog-${METACOG_FLAVOR}
    SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY ${out_dir})
endforeach()
