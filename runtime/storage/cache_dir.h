// Where the Cache API keeps its records, and how big it may grow.
//
// `colony serve` (the supervisor) creates one directory per server and hands it to every runtime
// process in the environment variable COLONY_CACHE_DIR, so a response cached by one process is a
// hit in every other; it removes the directory when it exits. A user who sets COLONY_CACHE_DIR
// keeps the cache there across restarts (it is then never removed). `--single-process` and
// `colony test` without the variable get a private directory removed at exit.
// COLONY_CACHE_SIZE bounds the records' total size (bytes, or with a K, M or G suffix; default
// 256M); least recently used records are evicted beyond it.
#pragma once

#include <cstdint>
#include <string>

namespace colony::storage {

// The runtime's cache directory (created on first use). Throws std::runtime_error.
const std::string& cacheDirectory();
// The configured bound (COLONY_CACHE_SIZE). Throws std::runtime_error when it does not parse.
uint64_t cacheMaxBytes();


}  // namespace colony::storage
