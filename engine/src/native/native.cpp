// Native-only parts of the engine (dataset readers that need libzip) are compiled into
// metacog_native, which the CLI and the native test suite link. This file anchors the library.
namespace metacog::native {
/** Present so that metacog_native is never an empty library. */
int native_library_anchor() { return 1; }
}  // namespace metacog::native
