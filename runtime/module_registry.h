// The modules of a modules-syntax worker: compiles ES modules, wraps CommonJS, text, data, json and
// wasm modules as synthetic modules, resolves specifiers between them, and serves require() and
// dynamic import().
#pragma once

#include <v8.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/worker_source.h"

namespace colony {

class Worker;

class ModuleRegistry {
 public:
  explicit ModuleRegistry(Worker& worker);

  // Compiles and evaluates the main module (the first one) and everything it imports; returns its
  // namespace. Throws WorkerStartError naming the module and the error.
  v8::Local<v8::Object> evaluateMain();

  // Worker module names, as workerd resolves them: "./b.js" and the bare "b.js" from "lib/a.js" are
  // both "lib/b.js"; "../b.js" is "b.js"; "/b.js" is "b.js" from anywhere.
  static std::string resolveSpecifier(const std::string& referrer, const std::string& specifier);

  // The `moduleRequire(referrer, specifier)` op behind node:module's createRequire(): require() as
  // a CommonJS module named `referrer` would do it.
  static void requireOp(const v8::FunctionCallbackInfo<v8::Value>& info);

 private:
  struct Entry {
    const WorkerSource::Module* source;
    v8::Global<v8::Module> module;     // compiled lazily
    v8::Global<v8::Value> cjsExports;  // COMMON_JS: module.exports once evaluated
    v8::Global<v8::Value> value;       // WASM, JSON: compiled / parsed before evaluation starts
    bool cjsEvaluating = false;
  };

  // A module the runtime provides ("cloudflare:workers"), created from hooks.builtinModules.
  struct BuiltinModule {
    v8::Global<v8::Module> module;
    v8::Global<v8::Object> exports;
  };
  v8::MaybeLocal<v8::Module> builtinModule(const std::string& name);
  BuiltinModule* findBuiltinByModule(v8::Local<v8::Module> module);

  // Compiles wasm modules and parses json modules up front, so their errors are reported with
  // the module's name before any module is evaluated. Throws WorkerStartError.
  void prepareDataModules();

  Entry* find(const std::string& name);
  Entry* findByModule(v8::Local<v8::Module> module);
  // Compiles (once) the module record for an entry; empty with a pending exception on failure.
  v8::MaybeLocal<v8::Module> moduleFor(Entry& entry);
  // Instantiates and evaluates a module record, returning its namespace (or the pending exception).
  v8::MaybeLocal<v8::Value> namespaceOf(Entry& entry);
  // The value require() returns for an entry.
  v8::MaybeLocal<v8::Value> requireValue(Entry& entry);
  v8::MaybeLocal<v8::Value> evaluateCommonJs(Entry& entry);
  // The default export of a synthetic (non-ES) module.
  v8::MaybeLocal<v8::Value> syntheticDefault(Entry& entry);
  v8::Local<v8::Function> makeRequire(const std::string& referrer);
  void throwNoSuchModule(const std::string& specifier, const std::string& referrer);

  v8::MaybeLocal<v8::Module> resolve(v8::Local<v8::String> specifier,
                                     v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Module> resolveCallback(v8::Local<v8::Context> context,
                                                    v8::Local<v8::String> specifier,
                                                    v8::Local<v8::FixedArray> assertions,
                                                    v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Value> syntheticSteps(v8::Local<v8::Context> context,
                                                  v8::Local<v8::Module> module);
  static v8::MaybeLocal<v8::Promise> dynamicImport(v8::Local<v8::Context> context,
                                                   v8::Local<v8::Data> hostDefinedOptions,
                                                   v8::Local<v8::Value> resourceName,
                                                   v8::Local<v8::String> specifier,
                                                   v8::Local<v8::FixedArray> assertions);
  static void initImportMeta(v8::Local<v8::Context> context, v8::Local<v8::Module> module,
                             v8::Local<v8::Object> meta);
  static void requireCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  void require(const v8::FunctionCallbackInfo<v8::Value>& info, const std::string& referrer,
               const std::string& specifier);
  // Whether `specifier` names a built-in module (these win over the worker's own modules, as in
  // workerd).
  bool isBuiltin(const std::string& specifier);

  Worker& worker_;
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
  std::map<std::string, BuiltinModule> builtins_;
  friend class Worker;
};

}  // namespace colony
