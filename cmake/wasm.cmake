# WebAssembly module for the JS library: dist/metacog-<flavor>.mjs + .wasm (ES module factory).
# -sDYNAMIC_EXECUTION=0: no eval/new Function in the glue, so a strict CSP works.
# The glue is built for web/worker; the JS loader passes the wasm bytes itself (instantiateWasm),
# which is also how it loads under Node 20 (design.md §6).
add_executable(metacog_wasm ${METACOG_WASM_SOURCES})
target_link_libraries(metacog_wasm PRIVATE metacog_engine)
target_compile_options(metacog_wasm PRIVATE ${METACOG_WARNINGS})
set(METACOG_DIST_DIR ${CMAKE_SOURCE_DIR}/dist CACHE PATH "Where the wasm modules go")
target_link_options(metacog_wasm PRIVATE
  --bind -O3
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createMetacogModule
  -sENVIRONMENT=web,worker -sDYNAMIC_EXECUTION=0 -sFILESYSTEM=0
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sTOTAL_STACK=1MB
  -sINCOMING_MODULE_JS_API=[instantiateWasm,print,printErr]
)
set_target_properties(metacog_wasm PROPERTIES
  OUTPUT_NAME metacog-${METACOG_FLAVOR}
  SUFFIX ".mjs"
  RUNTIME_OUTPUT_DIRECTORY ${METACOG_DIST_DIR})
