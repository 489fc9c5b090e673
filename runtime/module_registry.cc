#include "runtime/module_registry.h"

#include <kj/debug.h>

#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony {

using js::str;

ModuleRegistry::ModuleRegistry(Worker& worker) : worker_(worker) {
  for (auto& m : worker_.source().modules) {
    order_.push_back(m.name);
    entries_.emplace(m.name, Entry{&m, {}, {}});
  }
  auto* isolate = worker_.isolate();
  isolate->SetHostImportModuleDynamicallyCallback(&dynamicImport);
  isolate->SetHostInitializeImportMetaObjectCallback(&initImportMeta);
}

std::string ModuleRegistry::resolveSpecifier(const std::string& referrer,
                                             const std::string& specifier) {
  // A bare name is relative to the referrer's directory, like "./name".
  bool absolute = !specifier.empty() && specifier[0] == '/';

  std::vector<std::string> parts;
  if (!absolute) {
    // Start from the referrer's directory.
    size_t start = 0;
    for (size_t slash; (slash = referrer.find('/', start)) != std::string::npos; start = slash + 1) {
      parts.push_back(referrer.substr(start, slash - start));
    }
  }
  size_t start = absolute ? 1 : 0;
  while (start <= specifier.size()) {
    size_t slash = specifier.find('/', start);
    if (slash == std::string::npos) slash = specifier.size();
    std::string part = specifier.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  for (auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

ModuleRegistry::Entry* ModuleRegistry::find(const std::string& name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

ModuleRegistry::Entry* ModuleRegistry::findByModule(v8::Local<v8::Module> module) {
  auto* isolate = worker_.isolate();
  for (auto& [name, entry] : entries_) {
    if (!entry.module.IsEmpty() && entry.module.Get(isolate) == module) return &entry;
  }
  return nullptr;
}

void ModuleRegistry::throwNoSuchModule(const std::string& specifier, const std::string& referrer) {
  js::throwError(worker_.isolate(),
                 "No such module \"" + specifier + "\".\n  imported from \"" + referrer + "\"");
}

v8::MaybeLocal<v8::Module> ModuleRegistry::moduleFor(Entry& entry) {
  auto* isolate = worker_.isolate();
  if (!entry.module.IsEmpty()) return entry.module.Get(isolate);
  auto& src = *entry.source;
  v8::Local<v8::Module> module;
  if (src.type == WorkerSource::ModuleType::ES) {
    v8::ScriptOrigin origin(isolate, str(isolate, src.name), 0, 0, false, -1, {}, false, false,
                            true);
    v8::ScriptCompiler::Source source(str(isolate, src.text()), origin);
    if (!v8::ScriptCompiler::CompileModule(isolate, &source).ToLocal(&module)) return {};
  } else {
    std::vector<v8::Local<v8::String>> names = {str(isolate, "default")};
    module = v8::Module::CreateSyntheticModule(isolate, str(isolate, src.name), names,
                                               &syntheticSteps);
  }
  entry.module.Reset(isolate, module);
  return module;
}

v8::MaybeLocal<v8::Value> ModuleRegistry::namespaceOf(Entry& entry) {
  auto* isolate = worker_.isolate();
  auto context = worker_.context();
  v8::Local<v8::Module> module;
  if (!moduleFor(entry).ToLocal(&module)) return {};
  if (module->GetStatus() == v8::Module::kUninstantiated) {
    if (!module->InstantiateModule(context, &resolveCallback).FromMaybe(false)) return {};
  }
  if (module->GetStatus() == v8::Module::kInstantiated) {
    v8::Local<v8::Value> result;
    if (!module->Evaluate(context).ToLocal(&result)) return {};
    if (result->IsPromise()) {
      auto promise = result.As<v8::Promise>();
      promise->MarkAsHandled();  // a failure is reported as the module's, not as a stray rejection
      isolate->PerformMicrotaskCheckpoint();
      if (promise->State() == v8::Promise::kRejected) {
        isolate->ThrowException(promise->Result());
        return {};
      }
      if (promise->State() == v8::Promise::kPending) {
        js::throwError(isolate, "module \"" + entry.source->name +
                                    "\" awaits something that never finishes at start-up (top-level "
                                    "await cannot wait for I/O or timers)");
        return {};
      }
    }
  }
  if (module->GetStatus() == v8::Module::kErrored) {
    isolate->ThrowException(module->GetException());
    return {};
  }
  return module->GetModuleNamespace();
}

v8::Local<v8::Object> ModuleRegistry::evaluateMain() {
  auto* isolate = worker_.isolate();
  auto context = worker_.context();
  if (order_.empty()) {
    throw WorkerStartError("service \"" + worker_.serviceName() + "\": the worker has no modules");
  }
  auto& main = entries_.at(order_.front());
  if (main.source->type != WorkerSource::ModuleType::ES &&
      main.source->type != WorkerSource::ModuleType::COMMON_JS) {
    throw WorkerStartError("service \"" + worker_.serviceName() + "\": the main module \"" +
                           main.source->name +
                           "\" must be an esModule or commonJsModule (it is the first in the list)");
  }
  prepareDataModules();
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> ns;
  if (!namespaceOf(main).ToLocal(&ns)) {
    throw WorkerStartError("service \"" + worker_.serviceName() + "\": module \"" +
                           main.source->name + "\": Uncaught " +
                           js::describeException(isolate, context, tryCatch));
  }
  return ns.As<v8::Object>();
}

void ModuleRegistry::prepareDataModules() {
  auto* isolate = worker_.isolate();
  auto context = worker_.context();
  for (auto& [name, entry] : entries_) {
    auto& src = *entry.source;
    v8::TryCatch tryCatch(isolate);
    v8::Local<v8::Value> value;
    std::string what;
    if (src.type == WorkerSource::ModuleType::JSON) {
      if (!v8::JSON::Parse(context, str(isolate, src.text())).ToLocal(&value)) {
        what = "is not valid JSON";
      }
    } else if (src.type == WorkerSource::ModuleType::WASM) {
      v8::Local<v8::WasmModuleObject> wasm;
      if (v8::WasmModuleObject::Compile(
              isolate, v8::MemorySpan<const uint8_t>(src.content.begin(), src.content.size()))
              .ToLocal(&wasm)) {
        value = wasm;
      } else {
        what = "is not a valid WebAssembly module";
      }
    } else {
      continue;
    }
    if (!what.empty()) {
      std::string reason = tryCatch.HasCaught()
                               ? js::describeValue(isolate, context, tryCatch.Exception())
                               : std::string("unknown error");
      throw WorkerStartError("service \"" + worker_.serviceName() + "\": module \"" + src.name +
                             "\" " + what + ": " + reason);
    }
    entry.value.Reset(isolate, value);
  }
}

v8::MaybeLocal<v8::Value> ModuleRegistry::syntheticDefault(Entry& entry) {
  auto* isolate = worker_.isolate();
  auto context = worker_.context();
  auto& src = *entry.source;
  switch (src.type) {
    case WorkerSource::ModuleType::TEXT:
      return v8::Local<v8::Value>(str(isolate, src.text()));
    case WorkerSource::ModuleType::DATA:
      return v8::Local<v8::Value>(js::newArrayBuffer(isolate, src.content));
    case WorkerSource::ModuleType::JSON:
    case WorkerSource::ModuleType::WASM:
      return entry.value.Get(isolate);
    case WorkerSource::ModuleType::COMMON_JS:
      return evaluateCommonJs(entry);
    case WorkerSource::ModuleType::ES:
      break;
  }
  KJ_UNREACHABLE;
}

v8::MaybeLocal<v8::Value> ModuleRegistry::evaluateCommonJs(Entry& entry) {
  auto* isolate = worker_.isolate();
  auto context = worker_.context();
  if (!entry.cjsExports.IsEmpty()) {
    // Already evaluated, or evaluating (a require() cycle sees the exports as they are so far).
    auto module = entry.cjsExports.Get(isolate).As<v8::Object>();
    return module->Get(context, str(isolate, "exports"));
  }
  auto& src = *entry.source;
  v8::ScriptOrigin origin(isolate, str(isolate, src.name));
  std::string wrapped = "(function (exports, require, module, __filename, __dirname) {";
  wrapped.append(src.text());
  wrapped += "\n})";
  v8::ScriptCompiler::Source source(str(isolate, wrapped), origin);
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> fnValue;
  if (!v8::ScriptCompiler::Compile(context, &source).ToLocal(&script) ||
      !script->Run(context).ToLocal(&fnValue)) {
    return {};
  }
  auto moduleObj = v8::Object::New(isolate);
  auto exportsObj = v8::Object::New(isolate);
  (void)moduleObj->Set(context, str(isolate, "exports"), exportsObj);
  entry.cjsExports.Reset(isolate, moduleObj);  // `module` object, so cycles see the live exports
  std::string dir;
  if (auto slash = src.name.rfind('/'); slash != std::string::npos) dir = src.name.substr(0, slash);
  v8::Local<v8::Value> args[] = {exportsObj, makeRequire(src.name), moduleObj,
                                 str(isolate, "/" + src.name), str(isolate, "/" + dir)};
  if (fnValue.As<v8::Function>()->Call(context, exportsObj, 5, args).IsEmpty()) {
    entry.cjsExports.Reset();
    return {};
  }
  return moduleObj->Get(context, str(isolate, "exports"));
}

v8::MaybeLocal<v8::Value> ModuleRegistry::requireValue(Entry& entry) {
  if (entry.source->type == WorkerSource::ModuleType::ES) return namespaceOf(entry);
  if (entry.source->type == WorkerSource::ModuleType::COMMON_JS) return evaluateCommonJs(entry);
  // Other synthetic modules: evaluate through the module record so require() and import agree.
  v8::Local<v8::Value> ns;
  if (!namespaceOf(entry).ToLocal(&ns)) return {};
  return ns.As<v8::Object>()->Get(worker_.context(), str(worker_.isolate(), "default"));
}

v8::Local<v8::Function> ModuleRegistry::makeRequire(const std::string& referrer) {
  auto* isolate = worker_.isolate();
  return v8::Function::New(worker_.context(), &requireCallback, str(isolate, referrer))
      .ToLocalChecked();
}

void ModuleRegistry::requireCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  std::string referrer = js::toStdString(isolate, info.Data());
  if (info.Length() < 1 || !info[0]->IsString()) {
    js::throwTypeError(isolate, "require() expects a module name string");
    return;
  }
  Worker::from(isolate).modules_->require(info, referrer, js::toStdString(isolate, info[0]));
}

void ModuleRegistry::requireOp(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (info.Length() < 2 || !info[0]->IsString() || !info[1]->IsString()) {
    js::throwTypeError(isolate, "moduleRequire(referrer, specifier) expects two strings");
    return;
  }
  auto& worker = Worker::from(isolate);
  if (!worker.modules_) {
    js::throwError(isolate, "require() of a worker module before the worker's modules are loaded");
    return;
  }
  worker.modules_->require(info, js::toStdString(isolate, info[0]),
                           js::toStdString(isolate, info[1]));
}

bool ModuleRegistry::isBuiltin(const std::string& specifier) {
  v8::Local<v8::Module> builtin;
  return builtinModule(specifier).ToLocal(&builtin);
}

void ModuleRegistry::require(const v8::FunctionCallbackInfo<v8::Value>& info,
                             const std::string& referrer, const std::string& specifier) {
  auto* isolate = info.GetIsolate();
  auto& registry = *this;
  if (registry.isBuiltin(specifier)) {
    // A built-in with a default export (the node:* modules) is required as that object, as in
    // workerd; others (cloudflare:workers) as their exports.
    auto exports = registry.builtins_[specifier].exports.Get(isolate);
    v8::Local<v8::Value> defaultExport;
    auto key = str(isolate, "default");
    if (exports->HasOwnProperty(isolate->GetCurrentContext(), key).FromMaybe(false) &&
        exports->Get(isolate->GetCurrentContext(), key).ToLocal(&defaultExport)) {
      info.GetReturnValue().Set(defaultExport);
    } else {
      info.GetReturnValue().Set(exports);
    }
    return;
  }
  auto* entry = registry.find(resolveSpecifier(referrer, specifier));
  if (entry == nullptr) return registry.throwNoSuchModule(specifier, referrer);
  v8::Local<v8::Value> value;
  if (registry.requireValue(*entry).ToLocal(&value)) info.GetReturnValue().Set(value);
}

v8::MaybeLocal<v8::Module> ModuleRegistry::resolveCallback(v8::Local<v8::Context> context,
                                                           v8::Local<v8::String> specifier,
                                                           v8::Local<v8::FixedArray> assertions,
                                                           v8::Local<v8::Module> referrer) {
  auto* isolate = context->GetIsolate();
  auto& registry = *Worker::from(isolate).modules_;
  // V8 needs the failure as its own pending exception: catch it here and rethrow it to V8.
  v8::TryCatch tryCatch(isolate);
  auto result = registry.resolve(specifier, referrer);
  if (result.IsEmpty() && tryCatch.HasCaught()) tryCatch.ReThrow();
  return result;
}

v8::MaybeLocal<v8::Module> ModuleRegistry::resolve(v8::Local<v8::String> specifier,
                                                   v8::Local<v8::Module> referrer) {
  auto* isolate = worker_.isolate();
  auto& registry = *this;
  auto* from = registry.findByModule(referrer);
  std::string referrerName = from != nullptr ? from->source->name : "";
  std::string spec = js::toStdString(isolate, specifier);
  v8::Local<v8::Module> builtin;
  if (builtinModule(spec).ToLocal(&builtin)) return builtin;
  auto* entry = registry.find(resolveSpecifier(referrerName, spec));
  if (entry == nullptr) {
    registry.throwNoSuchModule(spec, referrerName);
    return {};
  }
  return registry.moduleFor(*entry);
}

v8::MaybeLocal<v8::Module> ModuleRegistry::builtinModule(const std::string& name) {
  auto* isolate = worker_.isolate();
  auto context = worker_.context();
  auto it = builtins_.find(name);
  if (it != builtins_.end()) return it->second.module.Get(isolate);
  v8::Local<v8::Value> table;
  v8::Local<v8::Value> exports;
  if (!worker_.hooks()->Get(context, str(isolate, "builtinModules")).ToLocal(&table) ||
      !table->IsObject() ||
      !table.As<v8::Object>()->Get(context, str(isolate, name)).ToLocal(&exports) ||
      !exports->IsObject()) {
    return {};
  }
  auto keys = exports.As<v8::Object>()->GetOwnPropertyNames(context).ToLocalChecked();
  std::vector<v8::Local<v8::String>> names;
  for (uint32_t i = 0; i < keys->Length(); ++i) {
    names.push_back(keys->Get(context, i).ToLocalChecked().As<v8::String>());
  }
  auto module = v8::Module::CreateSyntheticModule(isolate, str(isolate, name), names,
                                                  &syntheticSteps);
  auto& slot = builtins_[name];
  slot.module.Reset(isolate, module);
  slot.exports.Reset(isolate, exports.As<v8::Object>());
  return module;
}

ModuleRegistry::BuiltinModule* ModuleRegistry::findBuiltinByModule(v8::Local<v8::Module> module) {
  auto* isolate = worker_.isolate();
  for (auto& [name, builtin] : builtins_) {
    if (builtin.module.Get(isolate) == module) return &builtin;
  }
  return nullptr;
}

v8::MaybeLocal<v8::Value> ModuleRegistry::syntheticSteps(v8::Local<v8::Context> context,
                                                         v8::Local<v8::Module> module) {
  auto* isolate = context->GetIsolate();
  auto& registry = *Worker::from(isolate).modules_;
  if (auto* builtin = registry.findBuiltinByModule(module)) {
    auto exports = builtin->exports.Get(isolate);
    auto keys = exports->GetOwnPropertyNames(context).ToLocalChecked();
    for (uint32_t i = 0; i < keys->Length(); ++i) {
      auto key = keys->Get(context, i).ToLocalChecked();
      (void)module->SetSyntheticModuleExport(isolate, key.As<v8::String>(),
                                             exports->Get(context, key).ToLocalChecked());
    }
    auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
    (void)resolver->Resolve(context, v8::Undefined(isolate));
    return v8::Local<v8::Value>(resolver->GetPromise());
  }
  auto* entry = registry.findByModule(module);
  KJ_ASSERT(entry != nullptr);
  v8::Local<v8::Value> value;
  {
    // V8 needs the failure as its own pending exception: catch it here and rethrow it to V8.
    v8::TryCatch tryCatch(isolate);
    if (!registry.syntheticDefault(*entry).ToLocal(&value)) {
      if (!tryCatch.HasCaught()) {
        js::throwError(isolate, "module \"" + entry->source->name + "\" failed to load");
      }
      tryCatch.ReThrow();
      return {};
    }
  }
  if (module->SetSyntheticModuleExport(isolate, str(isolate, "default"), value).IsNothing()) {
    return {};
  }
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  (void)resolver->Resolve(context, v8::Undefined(isolate));
  return v8::Local<v8::Value>(resolver->GetPromise());
}

v8::MaybeLocal<v8::Promise> ModuleRegistry::dynamicImport(v8::Local<v8::Context> context,
                                                          v8::Local<v8::Data> hostDefinedOptions,
                                                          v8::Local<v8::Value> resourceName,
                                                          v8::Local<v8::String> specifier,
                                                          v8::Local<v8::FixedArray> assertions) {
  auto* isolate = context->GetIsolate();
  auto& registry = *Worker::from(isolate).modules_;
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  std::string referrer = resourceName->IsString() ? js::toStdString(isolate, resourceName) : "";
  std::string spec = js::toStdString(isolate, specifier);
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> ns;
  v8::Local<v8::Module> builtin;
  if (registry.builtinModule(spec).ToLocal(&builtin)) {
    if (builtin->GetStatus() == v8::Module::kUninstantiated) {
      (void)builtin->InstantiateModule(context, &resolveCallback);
    }
    if (builtin->GetStatus() == v8::Module::kInstantiated) (void)builtin->Evaluate(context);
    (void)resolver->Resolve(context, builtin->GetModuleNamespace());
    return resolver->GetPromise();
  }
  auto* entry = registry.find(resolveSpecifier(referrer, spec));
  if (entry == nullptr) {
    registry.throwNoSuchModule(spec, referrer);
  } else if (registry.namespaceOf(*entry).ToLocal(&ns)) {
    (void)resolver->Resolve(context, ns);
    return resolver->GetPromise();
  }
  auto exception = tryCatch.Exception();
  tryCatch.Reset();
  (void)resolver->Reject(context, exception);
  return resolver->GetPromise();
}

void ModuleRegistry::initImportMeta(v8::Local<v8::Context> context, v8::Local<v8::Module> module,
                                    v8::Local<v8::Object> meta) {
  auto* isolate = context->GetIsolate();
  auto& registry = *Worker::from(isolate).modules_;
  auto* entry = registry.findByModule(module);
  if (entry == nullptr) return;
  (void)meta->CreateDataProperty(context, str(isolate, "url"),
                                 str(isolate, "file:///bundle/" + entry->source->name));
  (void)meta->CreateDataProperty(context, str(isolate, "main"),
                                 v8::Boolean::New(isolate, entry->source->name == registry.order_.front()));
}

}  // namespace colony
