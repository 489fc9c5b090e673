#include "runtime/builtins.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "config/embedded_file.h"
#include "runtime/builtin_sources.h"

namespace colony::builtins {

namespace {

// The glue every built-in file sees as `internal`, and the loader's handles on it. Written in JS so
// that the snapshot holds no native function.
constexpr std::string_view kLoader = R"JS(
(function makeLoader() {
  "use strict";
  const registry = { __proto__: null };
  const starters = [];
  const { setPrototypeOf, keys } = Object;
  const trap = new Proxy({ __proto__: null }, {
    get(target, name) {
      throw new Error(`built-in JavaScript used ops.${String(name)} while it was evaluated for ` +
        "the startup snapshot, where no native op exists: use it lazily, or from a function " +
        "given to internal.onWorkerStart()");
    },
  });
  const ops = { __proto__: trap };
  const internal = {
    ops,
    primordials: {},
    hooks: {},
    require(name) {
      const exports = registry[name];
      if (exports === undefined) throw new Error(`no built-in named ${name}`);
      return exports;
    },
    // `fn` runs once per worker, after its ops are installed and before any user code.
    onWorkerStart(fn) { starters[starters.length] = fn; },
  };
  return {
    internal,
    define(name, exports) { registry[name] = exports; },
    start(nativeOps) {
      setPrototypeOf(ops, null);
      const names = keys(nativeOps);
      for (let i = 0; i < names.length; i++) ops[names[i]] = nativeOps[names[i]];
      for (let i = 0; i < starters.length; i++) starters[i]();
    },
  };
})
)JS";

v8::Local<v8::String> str(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(s.size()))
      .ToLocalChecked();
}

std::string describe(v8::Isolate* isolate, v8::TryCatch& tryCatch) {
  if (!tryCatch.HasCaught()) return "unknown error";
  auto context = isolate->GetCurrentContext();
  auto exception = tryCatch.Exception();
  v8::Local<v8::Value> stack;
  if (exception->IsObject() &&
      exception.As<v8::Object>()->Get(context, str(isolate, "stack")).ToLocal(&stack) &&
      stack->IsString()) {
    exception = stack;
  }
  v8::String::Utf8Value text(isolate, exception);
  std::string out = *text ? *text : "<unprintable exception>";
  auto message = tryCatch.Message();
  if (!message.IsEmpty()) {
    v8::String::Utf8Value where(isolate, message->GetScriptResourceName());
    out += " (at ";
    out += *where ? *where : "?";
    out += ":" + std::to_string(message->GetLineNumber(context).FromMaybe(0)) + ")";
  }
  return out;
}

// The loader's source, then every built-in file's (already wrapped by embed.py), in table order.
const ExternalSources& sources() {
  static const ExternalSources* table = [] {
    std::vector<std::string_view> texts = {kLoader};
    for (auto* file = embedded::builtins; file->name != nullptr; ++file) {
      texts.push_back(file->text());
    }
    return new ExternalSources(texts);  // never freed: isolates read it until exit
  }();
  return *table;
}

// The built-ins whose functions nearly every worker runs as it starts or on its first requests
// (a fetch handler reading the URL, headers and text, making subrequests or calling service
// bindings): compiled in full when the snapshot is made, so that isolates created from it find
// their bytecode there instead of compiling them one by one (about 1 ms of each isolate's start,
// for 130 KB more snapshot). The rest is compiled lazily, function by function, when first
// called. The list comes from V8's --log-function-events on the hello-world, JSON API and
// service-binding chain benchmarks (tests/bench).
constexpr std::string_view kCompiledInFull[] = {
    "colony:loader",          "colony:primordials.js",  "colony:util.js",
    "colony:events.js",       "colony:globals.js",      "colony:node_registry.js",
    "colony:node_process.js", "colony:memory_cache.js", "colony:fetch.js",
    "colony:headers.js",      "colony:url.js",          "colony:encoding.js",
    "colony:abort.js",        "colony:global_fetch.js",
};

bool compiledInFull(std::string_view name) {
  return std::find(std::begin(kCompiledInFull), std::end(kCompiledInFull), name) !=
         std::end(kCompiledInFull);
}

// Fails the snapshot's build when the list above names a file that is not a built-in.
void checkCompiledInFullList() {
  for (std::string_view name : kCompiledInFull) {
    bool found = name == "colony:loader";
    for (auto* file = embedded::builtins; file->name != nullptr && !found; ++file) {
      found = name == "colony:" + std::string(file->name);
    }
    if (!found) {
      throw std::runtime_error("no built-in named " + std::string(name) + " to compile in full");
    }
  }
}

v8::Local<v8::Value> run(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         std::string_view name, size_t sourceIndex) {
  v8::TryCatch tryCatch(isolate);
  v8::ScriptOrigin origin(isolate, str(isolate, name));
  v8::ScriptCompiler::Source source(sources().string(isolate, sourceIndex), origin);
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  auto options = compiledInFull(name) ? v8::ScriptCompiler::kEagerCompile
                                       : v8::ScriptCompiler::kNoCompileOptions;
  if (!v8::ScriptCompiler::Compile(context, &source, options).ToLocal(&script) ||
      !script->Run(context).ToLocal(&result)) {
    throw std::runtime_error(std::string(name) + ": " + describe(isolate, tryCatch));
  }
  return result;
}

v8::Local<v8::Value> get(v8::Local<v8::Context> context, v8::Local<v8::Object> object,
                         const char* name) {
  return object->Get(context, str(context->GetIsolate(), name)).ToLocalChecked();
}

}  // namespace

v8::Local<v8::Object> evaluate(v8::Isolate* isolate, v8::Local<v8::Context> context) {
  v8::EscapableHandleScope scope(isolate);
  checkCompiledInFullList();
  auto makeLoader = run(isolate, context, "colony:loader", 0).As<v8::Function>();
  auto loader = makeLoader->Call(context, v8::Undefined(isolate), 0, nullptr)
                    .ToLocalChecked()
                    .As<v8::Object>();
  auto internal = get(context, loader, "internal");
  auto define = get(context, loader, "define").As<v8::Function>();

  size_t sourceIndex = 1;
  for (auto* file = embedded::builtins; file->name != nullptr; ++file, ++sourceIndex) {
    std::string name = file->name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".js") == 0) name.resize(name.size() - 3);
    auto fn = run(isolate, context, "colony:" + std::string(file->name), sourceIndex)
                  .As<v8::Function>();
    v8::TryCatch tryCatch(isolate);
    auto exports = v8::Object::New(isolate);
    v8::Local<v8::Value> args[] = {exports, internal};
    if (fn->Call(context, v8::Undefined(isolate), 2, args).IsEmpty()) {
      throw std::runtime_error("built-in " + std::string(file->name) + " failed to load: " +
                               describe(isolate, tryCatch));
    }
    v8::Local<v8::Value> defineArgs[] = {str(isolate, name), exports};
    (void)define->Call(context, v8::Undefined(isolate), 2, defineArgs);
  }
  isolate->PerformMicrotaskCheckpoint();
  return scope.Escape(loader);
}

const intptr_t* externalReferences() { return sources().references(); }

v8::Local<v8::Object> fromSnapshot(v8::Local<v8::Context> context) {
  return context->GetDataFromSnapshotOnce<v8::Object>(0).ToLocalChecked();
}

bool attach(v8::Local<v8::Context> context, v8::Local<v8::Object> loader,
            v8::Local<v8::Object> ops) {
  v8::Local<v8::Value> start;
  if (!loader->Get(context, str(context->GetIsolate(), "start")).ToLocal(&start)) return false;
  v8::Local<v8::Value> args[] = {ops};
  return !start.As<v8::Function>()->Call(context, v8::Undefined(context->GetIsolate()), 1, args)
              .IsEmpty();
}

}  // namespace colony::builtins
