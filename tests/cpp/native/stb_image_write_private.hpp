// tests/cpp/native/stb_image_write_private.hpp — stb_image_write for a test file that generates images:
// a private (static) copy in every translation unit that includes it, so two such files never clash,
// with the library's own warnings silenced.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop
