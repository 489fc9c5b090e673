#include "runtime/builtins.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <vector>

#include <spdlog/spdlog.h>

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
  const later = { __proto__: null };  // files evaluated on their first require()
  const starters = [];
  let started = false;
  const { setPrototypeOf, keys, defineProperty, getOwnPropertyDescriptor } = Object;
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
      let exports = registry[name];
      if (exports === undefined && later[name] === true) {
        later[name] = false;
        const evaluateFile = ops.compileBuiltin(name);
        exports = {};
        evaluateFile(exports, internal);
        registry[name] = exports;
      }
      if (exports === undefined) throw new Error(`no built-in named ${name}`);
      return exports;
    },
    // `fn` runs once per worker, after its ops are installed and before any user code (at once
    // when the worker has started: a file evaluated on first use).
    onWorkerStart(fn) {
      if (started) fn();
      else starters[starters.length] = fn;
    },
  };
  return {
    internal,
    define(name, exports) { registry[name] = exports; },
    // The file `name` is evaluated by its first require(), or by the first read of one of the
    // internal.hooks it sets (which then replace these accessors as they are assigned).
    defineLater(name, hookNames) {
      later[name] = true;
      const hooks = internal.hooks;
      for (let i = 0; i < hookNames.length; i++) {
        const hook = hookNames[i];
        defineProperty(hooks, hook, {
          configurable: true, enumerable: true,
          get() {
            internal.require(name);
            const own = getOwnPropertyDescriptor(hooks, hook);
            if (own.get !== undefined) throw new Error(`built-in ${name} sets no hook ${hook}`);
            return own.value;
          },
          set(value) {
            defineProperty(hooks, hook, { value, writable: true, configurable: true, enumerable: true });
          },
        });
      }
    },
    start(nativeOps) {
      setPrototypeOf(ops, null);
      const names = keys(nativeOps);
      for (let i = 0; i < names.length; i++) ops[names[i]] = nativeOps[names[i]];
      started = true;
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
    "colony:loader",       "colony:primordials.js",   "colony:util.js",
    "colony:events.js",    "colony:globals.js",       "colony:node_registry.js",
    "colony:fetch.js",     "colony:headers.js",       "colony:url.js",
    "colony:encoding.js",  "colony:abort.js",         "colony:global_fetch.js",
};

// The built-ins that only some workers use, evaluated in a worker when first needed instead of
// into the snapshot: every isolate deserialises the whole snapshot, and these files were over a
// quarter of it (1.13 -> 0.82 MB, about 1.7 ms of each worker's start). They are the node:*
// modules behind nodejs_compat (all but node_registry, which knows them all), the Durable
// Object, KV, R2, queue and in-memory cache bindings, JS RPC, scheduled events, Web Crypto's
// SubtleCrypto and URLPattern. A file is needed at its first require(), at the first read of one
// of the internal.hooks it sets (listed here, separated by spaces: the runtime reads them by
// name), or at the first read of a global it defines (ops.defineLazyProperty, in globals.js). A
// worker that needs one deserialises the file's compiled form from the code caches made with the
// snapshot (makeCodeCaches()). Nothing evaluated into the snapshot may require them at its top
// level (the build fails naming ops.compileBuiltin if one does).
struct EvaluatedOnFirstUse {
  std::string_view name;
  std::string_view hooks;
};
constexpr EvaluatedOnFirstUse kEvaluatedOnFirstUse[] = {
    {"colony:node_assert.js", ""},
    {"colony:node_async.js", ""},
    {"colony:node_events.js", ""},
    {"colony:node_process.js", ""},
    {"colony:node_buffer.js", ""},
    {"colony:node_compare.js", ""},
    {"colony:node_crypto.js", ""},
    {"colony:node_module.js", ""},
    {"colony:node_path.js", ""},
    {"colony:node_stream.js", ""},
    {"colony:node_text.js", ""},
    {"colony:node_unavailable.js", ""},
    {"colony:node_util.js", ""},
    {"colony:node_zlib.js", ""},
    {"colony:durable_objects.js",
     "makeDurableObjectNamespace durableObjectSetup durableObjectFetch durableObjectCall"},
    {"colony:storage_bindings.js", "makeStorageBinding"},
    {"colony:queue.js", "makeQueueBatch"},
    {"colony:kv.js", ""},
    {"colony:r2.js", ""},
    {"colony:r2_disk.js", ""},
    {"colony:memory_cache.js", ""},
    {"colony:rpc.js", "makeFetcher rpcReleased makeRpcStub rpcInvoke rpcInvokeEntrypoint"},
    {"colony:scheduled.js", "makeScheduledController dispatchScheduledEvent"},
    {"colony:subtle.js", "makeCryptoKey"},
    {"colony:url_pattern.js", ""},
};

bool compiledInFull(std::string_view name) {
  return std::find(std::begin(kCompiledInFull), std::end(kCompiledInFull), name) !=
         std::end(kCompiledInFull);
}

const EvaluatedOnFirstUse* evaluatedOnFirstUse(std::string_view name) {
  for (auto& entry : kEvaluatedOnFirstUse) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

// The index in sources() of the built-in named `name` ("colony:loader" is 0, "colony:FILE.js"
// the file's), or -1.
int sourceIndexOf(std::string_view name) {
  if (name == "colony:loader") return 0;
  int index = 1;
  for (auto* file = embedded::builtins; file->name != nullptr; ++file, ++index) {
    if (name == "colony:" + std::string(file->name)) return index;
  }
  return -1;
}

// Fails the snapshot's build when a list above names a file that is not a built-in.
void checkLists() {
  auto check = [](std::string_view name, const char* what) {
    if (sourceIndexOf(name) < 0) {
      throw std::runtime_error("no built-in named " + std::string(name) + what);
    }
  };
  for (std::string_view name : kCompiledInFull) check(name, " to compile in full");
  for (auto& entry : kEvaluatedOnFirstUse) check(entry.name, " to evaluate on first use");
}

// The code cache made for the built-in `name`, or empty. makeCodeCaches() writes each record as
// the name then the cache, each as its size (4 bytes, then 4 of padding) and its bytes padded to
// a multiple of 8.
std::string_view codeCacheOf(std::string_view name) {
  std::string_view blob = codeCaches();
  auto take = [&blob](size_t n) {
    auto out = blob.substr(0, n);
    blob.remove_prefix(std::min(blob.size(), (n + 7) & ~size_t{7}));
    return out;
  };
  auto takeSize = [&take]() {
    auto bytes = take(sizeof(uint32_t));
    uint32_t n = 0;
    if (bytes.size() == sizeof n) std::memcpy(&n, bytes.data(), sizeof n);
    return n;
  };
  while (!blob.empty()) {
    auto recordName = take(takeSize());
    auto data = take(takeSize());
    if (recordName == name) return data;
  }
  return {};
}

// Compiles and runs the built-in at `sourceIndex`; with `codeCache`, tells in `cacheTaken`
// whether V8 took it.
v8::Local<v8::Value> run(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         std::string_view name, size_t sourceIndex,
                         std::string_view codeCache = {}, bool* cacheTaken = nullptr) {
  v8::TryCatch tryCatch(isolate);
  v8::ScriptOrigin origin(isolate, str(isolate, name));
  // V8 checks the cache (its version, flags and this source) and compiles as usual if it does not
  // fit; the source owns the CachedData, which does not own the bytes.
  auto* cached = codeCache.empty() ? nullptr
                                   : new v8::ScriptCompiler::CachedData(
                                         reinterpret_cast<const uint8_t*>(codeCache.data()),
                                         static_cast<int>(codeCache.size()));
  v8::ScriptCompiler::Source source(sources().string(isolate, sourceIndex), origin, cached);
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  auto options = cached != nullptr     ? v8::ScriptCompiler::kConsumeCodeCache
                 : compiledInFull(name) ? v8::ScriptCompiler::kEagerCompile
                                        : v8::ScriptCompiler::kNoCompileOptions;
  if (!v8::ScriptCompiler::Compile(context, &source, options).ToLocal(&script) ||
      !script->Run(context).ToLocal(&result)) {
    throw std::runtime_error(std::string(name) + ": " + describe(isolate, tryCatch));
  }
  if (cacheTaken != nullptr) *cacheTaken = cached != nullptr && !cached->rejected;
  return result;
}

v8::Local<v8::Value> get(v8::Local<v8::Context> context, v8::Local<v8::Object> object,
                         const char* name) {
  return object->Get(context, str(context->GetIsolate(), name)).ToLocalChecked();
}

// ops.compileBuiltin(name): compiles the file of a built-in listed in kEvaluatedOnFirstUse and
// returns the function the loader calls to evaluate it (as evaluate() does for the others).
void compileBuiltin(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  v8::String::Utf8Value name(isolate, info[0]);
  std::string origin = "colony:" + std::string(*name ? *name : "") + ".js";
  int sourceIndex = sourceIndexOf(origin);
  if (sourceIndex < 0 || evaluatedOnFirstUse(origin) == nullptr) {
    isolate->ThrowException(v8::Exception::Error(
        str(isolate, "no built-in named " + origin + " to evaluate on first use")));
    return;
  }
  try {
    auto cache = codeCacheOf(origin);
    bool taken = false;
    info.GetReturnValue().Set(run(isolate, context, origin, sourceIndex, cache, &taken));
    if (taken) {
      spdlog::debug("built-in {} evaluated on first use, from its code cache", origin);
    } else {
      spdlog::debug("built-in {} evaluated on first use, compiled from source ({})", origin,
                    cache.empty()
                        ? "no code cache without the startup snapshot"
                        : "V8 did not take its code cache: V8 flags other than the build's");
    }
  } catch (std::exception& e) {
    isolate->ThrowException(v8::Exception::Error(str(isolate, e.what())));
  }
}

// The getter of a property made by ops.defineLazyProperty: `data` is [require, file]; the value
// is require(file)[the property's name].
void readLazyProperty(v8::Local<v8::Name> name, const v8::PropertyCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto data = info.Data().As<v8::Array>();
  v8::Local<v8::Value> require, file, exports, value;
  if (!data->Get(context, 0).ToLocal(&require) || !data->Get(context, 1).ToLocal(&file) ||
      !require.As<v8::Function>()
           ->Call(context, v8::Undefined(isolate), 1, &file)
           .ToLocal(&exports) ||
      !exports.As<v8::Object>()->Get(context, name).ToLocal(&value)) {
    return;  // the exception propagates to the read
  }
  info.GetReturnValue().Set(value);
}

// ops.defineLazyProperty(object, name, file): makes object[name] a non-enumerable data property
// whose value is internal.require(file)[name], evaluated when it is first read (a global whose
// file is evaluated on first use). The op's data is internal.require.
void defineLazyProperty(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsObject() || !info[1]->IsString() || !info[2]->IsString()) {
    isolate->ThrowException(
        v8::Exception::TypeError(str(isolate, "defineLazyProperty: bad arguments")));
    return;
  }
  auto data = v8::Array::New(isolate, 2);
  if (data->Set(context, 0, info.Data()).IsNothing() ||
      data->Set(context, 1, info[2]).IsNothing()) {
    return;
  }
  (void)info[0].As<v8::Object>()->SetLazyDataProperty(context, info[1].As<v8::Name>(),
                                                      readLazyProperty, data, v8::DontEnum);
}

}  // namespace

v8::Local<v8::Object> evaluate(v8::Isolate* isolate, v8::Local<v8::Context> context) {
  v8::EscapableHandleScope scope(isolate);
  checkLists();
  auto makeLoader = run(isolate, context, "colony:loader", 0).As<v8::Function>();
  auto loader = makeLoader->Call(context, v8::Undefined(isolate), 0, nullptr)
                    .ToLocalChecked()
                    .As<v8::Object>();
  auto internal = get(context, loader, "internal");
  auto define = get(context, loader, "define").As<v8::Function>();
  auto defineLater = get(context, loader, "defineLater").As<v8::Function>();

  size_t sourceIndex = 1;
  for (auto* file = embedded::builtins; file->name != nullptr; ++file, ++sourceIndex) {
    std::string name = file->name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".js") == 0) name.resize(name.size() - 3);
    if (auto* later = evaluatedOnFirstUse("colony:" + std::string(file->name))) {
      auto hooks = v8::Array::New(isolate);
      std::string_view rest = later->hooks;
      while (!rest.empty()) {
        auto hook = rest.substr(0, rest.find(' '));
        rest.remove_prefix(std::min(rest.size(), hook.size() + 1));
        (void)hooks->Set(context, hooks->Length(), str(isolate, hook));
      }
      v8::Local<v8::Value> laterArgs[] = {str(isolate, name), hooks};
      (void)defineLater->Call(context, v8::Undefined(isolate), 2, laterArgs);
      continue;
    }
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

std::string makeCodeCaches(v8::Isolate* isolate) {
  v8::HandleScope scope(isolate);
  auto context = v8::Context::New(isolate);
  v8::Context::Scope contextScope(context);
  std::string blob;
  auto put = [&blob](std::string_view bytes) {
    auto size = static_cast<uint32_t>(bytes.size());
    blob.append(reinterpret_cast<const char*>(&size), sizeof size);
    blob.append(sizeof(uint64_t) - sizeof size, '\0');
    blob.append(bytes);
    blob.append(((bytes.size() + 7) & ~size_t{7}) - bytes.size(), '\0');
  };
  size_t sourceIndex = 1;
  for (auto* file = embedded::builtins; file->name != nullptr; ++file, ++sourceIndex) {
    std::string name = "colony:" + std::string(file->name);
    if (evaluatedOnFirstUse(name) == nullptr) continue;
    v8::TryCatch tryCatch(isolate);
    v8::ScriptOrigin origin(isolate, str(isolate, name));
    v8::ScriptCompiler::Source source(sources().string(isolate, sourceIndex), origin);
    v8::Local<v8::UnboundScript> script;
    if (!v8::ScriptCompiler::CompileUnboundScript(isolate, &source).ToLocal(&script)) {
      throw std::runtime_error(name + ": " + describe(isolate, tryCatch));
    }
    std::unique_ptr<v8::ScriptCompiler::CachedData> cache(
        v8::ScriptCompiler::CreateCodeCache(script));
    if (!cache) throw std::runtime_error(name + ": V8 made no code cache");
    put(name);
    put({reinterpret_cast<const char*>(cache->data), static_cast<size_t>(cache->length)});
  }
  return blob;
}

const intptr_t* externalReferences() { return sources().references(); }

v8::Local<v8::Object> fromSnapshot(v8::Local<v8::Context> context) {
  return context->GetDataFromSnapshotOnce<v8::Object>(0).ToLocalChecked();
}

bool attach(v8::Local<v8::Context> context, v8::Local<v8::Object> loader,
            v8::Local<v8::Object> ops) {
  auto* isolate = context->GetIsolate();
  v8::Local<v8::Value> internal, require;
  if (!loader->Get(context, str(isolate, "internal")).ToLocal(&internal) ||
      !internal.As<v8::Object>()->Get(context, str(isolate, "require")).ToLocal(&require)) {
    return false;
  }
  for (auto [name, callback, data] :
       {std::tuple{"compileBuiltin", &compileBuiltin, v8::Local<v8::Value>()},
        std::tuple{"defineLazyProperty", &defineLazyProperty, require}}) {
    v8::Local<v8::Function> function;
    if (!v8::Function::New(context, callback, data, 0, v8::ConstructorBehavior::kThrow)
             .ToLocal(&function) ||
        ops->Set(context, str(isolate, name), function).IsNothing()) {
      return false;
    }
  }
  v8::Local<v8::Value> start;
  if (!loader->Get(context, str(isolate, "start")).ToLocal(&start)) return false;
  v8::Local<v8::Value> args[] = {ops};
  return !start.As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, args)
              .IsEmpty();
}

}  // namespace colony::builtins
