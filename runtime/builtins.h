// The built-in JavaScript (runtime/js) and the startup snapshot that holds it.
//
// At build time, colony-snapshot-gen evaluates the built-ins into a fresh context and saves the
// heap as a V8 startup snapshot, embedded in the binary. A worker's isolate is created from it, so
// it starts with the built-ins already evaluated. Nothing native is in the snapshot: `internal.ops`
// is an empty object then (any use of an op while the built-ins are evaluated fails the build with
// the op's name), and the worker fills it when it starts (attach()).
//
// Built-ins therefore never read per-worker state (compatibility flags, the clock, ops) at
// evaluation time; what depends on the worker goes into internal.onWorkerStart(fn).
//
// The files are embedded already wrapped as the function the loader calls, and must be ASCII
// (packaging/build/embed.py --js-builtins): V8 reads their text in place, from the binary
// (runtime/builtin_sources.h). The ones nearly every worker runs are compiled in full into the
// snapshot, the rest function by function when first called. The files only some workers use
// (node:* modules, bindings, RPC, Web Crypto's SubtleCrypto...) stay out of the snapshot and are
// evaluated in a worker when first needed, from code caches made with the snapshot; a file
// evaluated then may still call internal.onWorkerStart(fn), which runs fn at once (builtins.cc
// lists both kinds of files).
#pragma once

#include <v8.h>

#include <string>
#include <string_view>

namespace colony::builtins {

// Evaluates the built-ins (but those evaluated on first use) into `context` and returns the loader: an object whose `internal` is
// the object the built-ins share (internal.hooks holds what the runtime calls). Throws
// std::runtime_error naming the file on failure.
v8::Local<v8::Object> evaluate(v8::Isolate* isolate, v8::Local<v8::Context> context);

// The external references every isolate and the snapshot generator must be given: the built-ins'
// source text stays in the binary (runtime/builtin_sources.h). Null-terminated.
const intptr_t* externalReferences();

// For the snapshot generator: V8 code caches of the files evaluated on first use, as one blob
// of records (name, cache), which the runtime embeds beside the snapshot so that a worker that
// needs one of those files deserialises its compiled form instead of parsing it. V8 takes a
// cache only when its own version and flags are those that made it (runtime/v8_system.cc sets
// the same for both), and compiles the source otherwise.
std::string makeCodeCaches(v8::Isolate* isolate);

// The blob makeCodeCaches() made at build time: defined by builtins_snapshot.cc in the runtime
// (empty when the snapshot is not used) and by the generator (empty).
std::string_view codeCaches();

// The snapshot to create isolates from, or nullptr when there is none or it was made by another
// V8 than the one loaded (the built-ins are then evaluated in each isolate).
v8::StartupData* startupSnapshot();

// The loader of a context created from startupSnapshot() (what evaluate() returned when the
// snapshot was made).
v8::Local<v8::Object> fromSnapshot(v8::Local<v8::Context> context);

// Makes the built-ins live for one worker: installs its native ops (every property of `ops`, and
// compileBuiltin, which evaluates a file on first use) into internal.ops and runs the
// internal.onWorkerStart() functions. Returns false with a JS
// exception pending on failure.
bool attach(v8::Local<v8::Context> context, v8::Local<v8::Object> loader,
            v8::Local<v8::Object> ops);

}  // namespace colony::builtins
