// The built-in JavaScript's source text, handed to V8 as external strings that point into the
// binary instead of being copied onto the heap. Each source's resource is also one of the
// external references the snapshot generator and every isolate are given, so the startup
// snapshot refers to the text in the binary rather than holding a copy of it (some 900 KB fewer to
// deserialize into every isolate, and that much less of its heap).
//
// The generator and the runtime must build the table from the same texts in the same order (both
// use builtins.cc's list), since the snapshot names a resource by its index.
#pragma once

#include <v8.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace colony::builtins {

class ExternalSources {
 public:
  // `texts` must stay valid for the life of the process (the binary's read-only data) and be
  // Latin-1 (the built-ins are ASCII: packaging/build/embed.py checks).
  explicit ExternalSources(const std::vector<std::string_view>& texts);

  // The text at `index` as a V8 string that reads it in place.
  v8::Local<v8::String> string(v8::Isolate* isolate, size_t index) const;

  // Every source's resource, then 0: for v8::SnapshotCreator and Isolate::CreateParams.
  const intptr_t* references() const { return references_.data(); }

 private:
  class Resource;
  std::vector<Resource*> resources_;  // never freed: V8 may read them until the process ends
  std::vector<intptr_t> references_;
};

}  // namespace colony::builtins
