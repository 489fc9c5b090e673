// The table of compatibility flags and the date + flags resolver. See compat_flags.h.
#include "config/compat_flags.h"

#include <algorithm>
#include <ctime>
#include <map>

namespace colony::config {

namespace {

// Facts from the published list of Workers compatibility flags: one entry per behaviour.
// Entries without a date stay off unless a flag (or an implying behaviour) turns them on.
const CompatFlagInfo kCompatFlags[] = {
  {.field = "formDataParserSupportsFiles", .enableFlag = "formdata_parser_supports_files", .disableFlag = "formdata_parser_converts_files_to_strings", .enableDate = "2021-11-03"},
  {.field = "fetchRefusesUnknownProtocols", .enableFlag = "fetch_refuses_unknown_protocols", .disableFlag = "fetch_treats_unknown_protocols_as_http", .enableDate = "2021-11-10"},
  {.field = "esiIncludeIsVoidTag", .enableFlag = "html_rewriter_treats_esi_include_as_void_tag"},
  {.field = "durableObjectFetchRequiresSchemeAuthority", .enableFlag = "durable_object_fetch_requires_full_url", .disableFlag = "durable_object_fetch_allows_relative_url", .enableDate = "2021-11-10"},
  {.field = "streamsByobReaderDetachesBuffer", .enableFlag = "streams_byob_reader_detaches_buffer", .disableFlag = "streams_byob_reader_does_not_detach_buffer", .enableDate = "2021-11-10"},
  {.field = "streamsJavaScriptControllers", .enableFlag = "streams_enable_constructors", .disableFlag = "streams_disable_constructors", .enableDate = "2022-11-30"},
  {.field = "jsgPropertyOnPrototypeTemplate", .enableFlag = "workers_api_getters_setters_on_prototype", .disableFlag = "workers_api_getters_setters_on_instance", .enableDate = "2022-01-31"},
  {.field = "minimalSubrequests", .enableFlag = "minimal_subrequests", .disableFlag = "no_minimal_subrequests", .enableDate = "2022-04-05"},
  {.field = "noCotsOnExternalFetch", .enableFlag = "no_cots_on_external_fetch", .disableFlag = "cots_on_external_fetch", .enableDate = "2022-03-08"},
  {.field = "specCompliantUrl", .enableFlag = "url_standard", .disableFlag = "url_original", .enableDate = "2022-10-31"},
  {.field = "globalNavigator", .enableFlag = "global_navigator", .disableFlag = "no_global_navigator", .enableDate = "2022-03-21"},
  {.field = "captureThrowsAsRejections", .enableFlag = "capture_async_api_throws", .disableFlag = "do_not_capture_async_api_throws", .enableDate = "2022-10-31"},
  {.field = "r2PublicBetaApi", .enableFlag = "r2_public_beta_bindings", .disableFlag = "r2_internal_beta_bindings", .enableAllDates = true},
  {.field = "obsolete14", .enableFlag = "durable_object_alarms"},
  {.field = "noSubstituteNull", .enableFlag = "dont_substitute_null_on_type_error", .disableFlag = "substitute_null_on_type_error", .enableDate = "2022-06-01"},
  {.field = "transformStreamJavaScriptControllers", .enableFlag = "transformstream_enable_standard_constructor", .disableFlag = "transformstream_disable_standard_constructor", .enableDate = "2022-11-30"},
  {.field = "r2ListHonorIncludeFields", .enableFlag = "r2_list_honor_include", .enableDate = "2022-08-04"},
  {.field = "exportCommonJsDefaultNamespace", .enableFlag = "export_commonjs_default", .disableFlag = "export_commonjs_namespace", .enableDate = "2022-10-31"},
  {.field = "obsolete19", .enableFlag = "durable_object_rename", .experimental = true},
  {.field = "webSocketCompression", .enableFlag = "web_socket_compression", .disableFlag = "no_web_socket_compression", .enableDate = "2023-08-15"},
  {.field = "nodeJsCompat", .enableFlag = "nodejs_compat", .disableFlag = "no_nodejs_compat"},
  {.field = "obsolete22", .enableFlag = "tcp_sockets_support"},
  {.field = "specCompliantResponseRedirect", .enableFlag = "response_redirect_url_standard", .disableFlag = "response_redirect_url_original", .enableDate = "2023-03-14"},
  {.field = "workerdExperimental", .enableFlag = "experimental", .experimental = true},
  {.field = "durableObjectGetExisting", .enableFlag = "durable_object_get_existing", .experimental = true},
  {.field = "httpHeadersGetSetCookie", .enableFlag = "http_headers_getsetcookie", .disableFlag = "no_http_headers_getsetcookie", .enableDate = "2023-03-01"},
  {.field = "dispatchExceptionTunneling", .enableFlag = "dynamic_dispatch_tunnel_exceptions", .disableFlag = "dynamic_dispatch_treat_exceptions_as_500", .enableDate = "2023-03-01"},
  {.field = "serviceBindingExtraHandlers", .enableFlag = "service_binding_extra_handlers", .experimental = true},
  {.field = "noCfBotManagementDefault", .enableFlag = "no_cf_botmanagement_default", .disableFlag = "cf_botmanagement_default", .enableDate = "2023-08-01"},
  {.field = "urlSearchParamsDeleteHasValueArg", .enableFlag = "urlsearchparams_delete_has_value_arg", .disableFlag = "no_urlsearchparams_delete_has_value_arg", .enableDate = "2023-07-01"},
  {.field = "strictCompression", .enableFlag = "strict_compression_checks", .disableFlag = "no_strict_compression_checks", .enableDate = "2023-08-01"},
  {.field = "brotliContentEncoding", .enableFlag = "brotli_content_encoding", .disableFlag = "no_brotli_content_encoding", .enableDate = "2024-04-29"},
  {.field = "strictCrypto", .enableFlag = "strict_crypto_checks", .disableFlag = "no_strict_crypto_checks", .enableDate = "2023-08-01"},
  {.field = "rttiApi", .enableFlag = "rtti_api", .experimental = true},
  {.field = "obsolete35", .enableFlag = "webgpu", .experimental = true},
  {.field = "cryptoPreservePublicExponent", .enableFlag = "crypto_preserve_public_exponent", .disableFlag = "no_crypto_preserve_public_exponent", .enableDate = "2023-12-01"},
  {.field = "vectorizeQueryMetadataOptional", .enableFlag = "vectorize_query_metadata_optional", .disableFlag = "vectorize_query_original", .enableDate = "2023-11-08"},
  {.field = "unsafeModule", .enableFlag = "unsafe_module", .experimental = true},
  {.field = "jsRpc", .enableFlag = "js_rpc", .experimental = true},
  {.field = "noImportScripts", .enableFlag = "no_global_importscripts", .disableFlag = "global_importscripts", .enableDate = "2024-03-04"},
  {.field = "nodeJsAls", .enableFlag = "nodejs_als", .disableFlag = "no_nodejs_als"},
  {.field = "queuesJsonMessages", .enableFlag = "queues_json_messages", .disableFlag = "no_queues_json_messages", .enableDate = "2024-03-18"},
  {.field = "pythonWorkers", .enableFlag = "python_workers", .impliedBy = {"pythonWorkersDevPyodide"}, .impliedDate = "2000-01-01"},
  {.field = "fetcherNoGetPutDelete", .enableFlag = "fetcher_no_get_put_delete", .disableFlag = "fetcher_has_get_put_delete", .enableDate = "2024-03-26"},
  {.field = "unwrapCustomThenables", .enableFlag = "unwrap_custom_thenables", .disableFlag = "no_unwrap_custom_thenables", .enableDate = "2024-04-01"},
  {.field = "fetcherRpc", .enableFlag = "rpc", .disableFlag = "no_rpc", .enableDate = "2024-04-03"},
  {.field = "internalStreamByobReturn", .enableFlag = "internal_stream_byob_return_view", .disableFlag = "internal_stream_byob_return_undefined", .enableDate = "2024-05-13"},
  {.field = "blobStandardMimeType", .enableFlag = "blob_standard_mime_type", .disableFlag = "blob_legacy_mime_type", .enableDate = "2024-06-03"},
  {.field = "fetchStandardUrl", .enableFlag = "fetch_standard_url", .disableFlag = "fetch_legacy_url", .enableDate = "2024-06-03"},
  {.field = "nodeJsCompatV2", .enableFlag = "nodejs_compat_v2", .disableFlag = "no_nodejs_compat_v2", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2024-09-23"},
  {.field = "globalFetchStrictlyPublic", .enableFlag = "global_fetch_strictly_public", .disableFlag = "global_fetch_private_origin"},
  {.field = "newModuleRegistry", .enableFlag = "new_module_registry", .disableFlag = "legacy_module_registry", .experimental = true},
  {.field = "cacheOptionEnabled", .enableFlag = "cache_option_enabled", .disableFlag = "cache_option_disabled", .enableDate = "2024-11-11"},
  {.field = "kvDirectBinding", .enableFlag = "kv_direct_binding", .experimental = true},
  {.field = "allowCustomPorts", .enableFlag = "allow_custom_ports", .disableFlag = "ignore_custom_ports", .enableDate = "2024-09-02"},
  {.field = "increaseWebsocketMessageSize", .enableFlag = "increase_websocket_message_size", .experimental = true},
  {.field = "internalWritableStreamAbortClearsQueue", .enableFlag = "internal_writable_stream_abort_clears_queue", .disableFlag = "internal_writable_stream_abort_does_not_clear_queue", .enableDate = "2024-09-02"},
  {.field = "pythonWorkersDevPyodide", .enableFlag = "python_workers_development", .experimental = true},
  {.field = "nodeJsZlib", .enableFlag = "nodejs_zlib", .disableFlag = "no_nodejs_zlib", .impliedBy = {"nodeJsCompat", "nodeJsCompatV2"}, .impliedDate = "2024-09-23"},
  {.field = "replicaRouting", .enableFlag = "replica_routing", .experimental = true},
  {.field = "obsolete61", .enableFlag = "enable_d1_with_sessions_api", .experimental = true},
  {.field = "handleCrossRequestPromiseResolution", .enableFlag = "handle_cross_request_promise_resolution", .disableFlag = "no_handle_cross_request_promise_resolution", .enableDate = "2024-10-14"},
  {.field = "setToStringTag", .enableFlag = "set_tostring_tag", .disableFlag = "do_not_set_tostring_tag", .enableDate = "2024-09-26"},
  {.field = "upperCaseAllHttpMethods", .enableFlag = "upper_case_all_http_methods", .disableFlag = "no_upper_case_all_http_methods", .enableDate = "2024-10-14"},
  {.field = "obsolete66", .enableFlag = "python_external_packages"},
  {.field = "noTopLevelAwaitInRequire", .enableFlag = "disable_top_level_await_in_require", .disableFlag = "enable_top_level_await_in_require", .enableDate = "2024-12-02"},
  {.field = "fixupTransformStreamBackpressure", .enableFlag = "fixup-transform-stream-backpressure", .disableFlag = "original-transform-stream-backpressure", .enableDate = "2024-12-16"},
  {.field = "tailWorkerUserSpans", .enableFlag = "tail_worker_user_spans", .experimental = true},
  {.field = "cacheNoCache", .enableFlag = "cache_no_cache_enabled", .disableFlag = "cache_no_cache_disabled", .impliedBy = {"cacheOptionEnabled"}, .impliedDate = "2025-08-07"},
  {.field = "pythonWorkers20250116", .enableFlag = "python_workers_20250116", .disableFlag = "no_python_workers_20250116", .impliedBy = {"pythonWorkers"}, .impliedDate = "2025-09-29"},
  {.field = "requestCfOverridesCacheRules", .enableFlag = "request_cf_overrides_cache_rules", .disableFlag = "no_request_cf_overrides_cache_rules", .enableDate = "2025-04-02"},
  {.field = "memoryCacheDelete", .enableFlag = "memory_cache_delete", .experimental = true},
  {.field = "obsolete74", .enableFlag = "unique_ctx_per_invocation", .enableDate = "2025-03-10"},
  {.field = "queueConsumerNoWaitForWaitUntil", .enableFlag = "queue_consumer_no_wait_for_wait_until", .disableFlag = "queue_consumer_wait_for_wait_until"},
  {.field = "populateProcessEnv", .enableFlag = "nodejs_compat_populate_process_env", .disableFlag = "nodejs_compat_do_not_populate_process_env", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-04-01"},
  {.field = "cacheApiRequestCfOverridesCacheRules", .enableFlag = "cache_api_request_cf_overrides_cache_rules", .disableFlag = "no_cache_api_request_cf_overrides_cache_rules", .enableDate = "2025-05-19"},
  {.field = "disableImportableEnv", .enableFlag = "disallow_importable_env", .disableFlag = "allow_importable_env"},
  {.field = "assetsSecFetchModeNavigateHeaderPrefersAssetServing", .enableFlag = "assets_navigation_prefers_asset_serving", .disableFlag = "assets_navigation_has_no_effect", .enableDate = "2025-04-01"},
  {.field = "cacheApiCompatFlags", .enableFlag = "cache_api_compat_flags", .disableFlag = "no_cache_api_compat_flags", .enableDate = "2025-04-19"},
  {.field = "obsolete81", .enableFlag = "python_workers_durable_objects", .experimental = true},
  {.field = "streamingTailWorker", .enableFlag = "streaming_tail_worker", .experimental = true},
  {.field = "specCompliantUrlpattern", .enableFlag = "urlpattern_standard", .disableFlag = "urlpattern_original", .enableDate = "2025-05-01"},
  {.field = "jsWeakRef", .enableFlag = "enable_weak_ref", .disableFlag = "disable_weak_ref", .enableDate = "2025-05-05"},
  {.field = "requestSignalPassthrough", .enableFlag = "request_signal_passthrough", .disableFlag = "no_request_signal_passthrough"},
  {.field = "enableNavigatorLanguage", .enableFlag = "enable_navigator_language", .disableFlag = "disable_navigator_language", .enableDate = "2025-05-19"},
  {.field = "webFileSystem", .enableFlag = "enable_web_file_system", .experimental = true},
  {.field = "abortSignalRpc", .enableFlag = "enable_abortsignal_rpc", .experimental = true},
  {.field = "allowEvalDuringStartup", .enableFlag = "allow_eval_during_startup", .disableFlag = "disallow_eval_during_startup", .enableDate = "2025-06-01"},
  {.field = "enableRequestSignal", .enableFlag = "enable_request_signal", .disableFlag = "disable_request_signal"},
  {.field = "connectPassThrough", .enableFlag = "connect_pass_through", .experimental = true},
  {.field = "reuseCtxAcrossNonclassEvents", .enableFlag = "nonclass_entrypoint_reuses_ctx_across_invocations"},
  {.field = "bindAsyncLocalStorageSnapshot", .enableFlag = "bind_asynclocalstorage_snapshot_to_request", .disableFlag = "do_not_bind_asynclocalstorage_snapshot_to-request", .enableDate = "2025-06-16"},
  {.field = "throwOnUnrecognizedImportAssertion", .enableFlag = "throw_on_unrecognized_import_assertion", .disableFlag = "ignore_unrecognized_import_assertion", .enableDate = "2025-06-16"},
  {.field = "pythonWorkflows", .enableFlag = "python_workflows", .disableFlag = "disable_python_workflows", .impliedBy = {"pythonWorkers"}, .impliedDate = "2025-09-20"},
  {.field = "unsupportedProcessActualPlatform", .enableFlag = "unsupported_process_actual_platform", .experimental = true},
  {.field = "enableNodeJsProcessV2", .enableFlag = "enable_nodejs_process_v2", .disableFlag = "disable_nodejs_process_v2", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-09-15"},
  {.field = "setEventTargetThis", .enableFlag = "set_event_target_this", .disableFlag = "no_set_event_target_this", .enableDate = "2025-08-01"},
  {.field = "enableForwardableEmailFullHeaders", .enableFlag = "set_forwardable_email_full_headers", .disableFlag = "set_forwardable_email_single_headers", .enableDate = "2025-08-01"},
  {.field = "enableNodejsHttpModules", .enableFlag = "enable_nodejs_http_modules", .disableFlag = "disable_nodejs_http_modules", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-08-15"},
  {.field = "pedanticWpt", .enableFlag = "pedantic_wpt", .disableFlag = "non_pedantic_wpt"},
  {.field = "exposeGlobalMessageChannel", .enableFlag = "expose_global_message_channel", .disableFlag = "no_expose_global_message_channel", .enableDate = "2025-08-15"},
  {.field = "enableNodejsHttpServerModules", .enableFlag = "enable_nodejs_http_server_modules", .disableFlag = "disable_nodejs_http_server_modules", .impliedBy = {"enableNodejsHttpModules"}, .impliedDate = "2025-09-01"},
  {.field = "pythonNoGlobalHandlers", .enableFlag = "python_no_global_handlers", .disableFlag = "disable_python_no_global_handlers", .enableDate = "2025-08-14"},
  {.field = "enableNodeJsFsModule", .enableFlag = "enable_nodejs_fs_module", .disableFlag = "disable_nodejs_fs_module", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-09-15"},
  {.field = "enableNodeJsOsModule", .enableFlag = "enable_nodejs_os_module", .disableFlag = "disable_nodejs_os_module", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-09-15"},
  {.field = "pythonWorkersForceNewVendorPath", .enableFlag = "python_workers_force_new_vendor_path", .enableDate = "2025-08-11"},
  {.field = "removeNodejsCompatEOL", .enableFlag = "remove_nodejs_compat_eol", .disableFlag = "add_nodejs_compat_eol", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-09-01"},
  {.field = "enableWorkflowScriptValidation", .enableFlag = "enable_validate_workflow_entrypoint", .disableFlag = "disable_validate_workflow_entrypoint", .enableDate = "2025-09-20"},
  {.field = "pythonDedicatedSnapshot", .enableFlag = "python_dedicated_snapshot", .disableFlag = "disable_python_dedicated_snapshot", .experimental = true},
  {.field = "typescriptStripTypes", .enableFlag = "typescript_strip_types", .experimental = true},
  {.field = "enableNodeJsHttp2Module", .enableFlag = "enable_nodejs_http2_module", .disableFlag = "disable_nodejs_http2_module", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-09-01"},
  {.field = "experimentalAllowEvalAlways", .enableFlag = "allow_insecure_inefficient_logged_eval", .experimental = true},
  {.field = "stripAuthorizationOnCrossOriginRedirect", .enableFlag = "strip_authorization_on_cross_origin_redirect", .disableFlag = "retain_authorization_on_cross_origin_redirect", .enableDate = "2025-09-01"},
  {.field = "enhancedErrorSerialization", .enableFlag = "enhanced_error_serialization", .disableFlag = "legacy_error_serialization", .experimental = true},
  {.field = "emailSendingQueuing", .enableFlag = "enable_email_sending_queuing", .disableFlag = "disable_email_sending_queuing", .experimental = true},
  {.field = "removeNodejsCompatEOLv22", .enableFlag = "remove_nodejs_compat_eol_v22", .disableFlag = "add_nodejs_compat_eol_v22", .impliedBy = {"removeNodejsCompatEOL"}, .impliedDate = "2027-04-30"},
  {.field = "removeNodejsCompatEOLv23", .enableFlag = "remove_nodejs_compat_eol_v23", .disableFlag = "add_nodejs_compat_eol_v23", .impliedBy = {"removeNodejsCompatEOLv24"}, .impliedDate = "2025-09-01"},
  {.field = "removeNodejsCompatEOLv24", .enableFlag = "remove_nodejs_compat_eol_v24", .disableFlag = "add_nodejs_compat_eol_v24", .impliedBy = {"removeNodejsCompatEOL"}, .impliedDate = "2028-04-30"},
  {.field = "enableNodeJsConsoleModule", .enableFlag = "enable_nodejs_console_module", .disableFlag = "disable_nodejs_console_module", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-09-21"},
  {.field = "enableNodeJsVmModule", .enableFlag = "enable_nodejs_vm_module", .disableFlag = "disable_nodejs_vm_module", .impliedBy = {"nodeJsCompat"}, .impliedDate = "2025-10-01"},
  {.field = "enableNodeJsPerfHooksModule", .enableFlag = "enable_nodejs_perf_hooks_module", .disableFlag = "disable_nodejs_perf_hooks_module", .experimental = true},
  {.field = "enableGlobalPerformanceClasses", .enableFlag = "enable_global_performance_classes", .disableFlag = "disable_global_performance_classes", .enableDate = "2025-09-21"},
  {.field = "enableNodeJsDomainModule", .enableFlag = "enable_nodejs_domain_module", .disableFlag = "disable_nodejs_domain_module", .experimental = true},
  {.field = "enableNodeJsV8Module", .enableFlag = "enable_nodejs_v8_module", .disableFlag = "disable_nodejs_v8_module", .experimental = true},
  {.field = "enableNodeJsTtyModule", .enableFlag = "enable_nodejs_tty_module", .disableFlag = "disable_nodejs_tty_module", .experimental = true},
  {.field = "enableNodeJsPunycodeModule", .enableFlag = "enable_nodejs_punycode_module", .disableFlag = "disable_nodejs_punycode_module", .experimental = true},
  {.field = "enableNodeJsClusterModule", .enableFlag = "enable_nodejs_cluster_module", .disableFlag = "disable_nodejs_cluster_module", .experimental = true},
  {.field = "enableNodeJsChildProcessModule", .enableFlag = "enable_nodejs_child_process_module", .disableFlag = "disable_nodejs_child_process_module", .experimental = true},
  {.field = "enableNodeJsWorkerThreadsModule", .enableFlag = "enable_nodejs_worker_threads_module", .disableFlag = "disable_nodejs_worker_threads_module", .experimental = true},
  {.field = "enableNodeJsStreamWrapModule", .enableFlag = "enable_nodejs_stream_wrap_module", .disableFlag = "disable_nodejs_stream_wrap_module", .experimental = true},
  {.field = "enableNodeJsWasiModule", .enableFlag = "enable_nodejs_wasi_module", .disableFlag = "disable_nodejs_wasi_module", .experimental = true},
  {.field = "enableNodeJsDgramModule", .enableFlag = "enable_nodejs_dgram_module", .disableFlag = "disable_nodejs_dgram_module", .experimental = true},
  {.field = "enableNodeJsInspectorModule", .enableFlag = "enable_nodejs_inspector_module", .disableFlag = "disable_nodejs_inspector_module", .experimental = true},
  {.field = "enableNodeJsTraceEventsModule", .enableFlag = "enable_nodejs_trace_events_module", .disableFlag = "disable_nodejs_trace_events_module", .experimental = true},
  {.field = "enableWorkerdDebugModule", .enableFlag = "enable_workerd_debug_module", .experimental = true},
};

const std::map<std::string_view, const CompatFlagInfo*>& flagIndex() {
  static const auto* index = [] {
    auto* map = new std::map<std::string_view, const CompatFlagInfo*>();
    for (const auto& info : kCompatFlags) {
      if (!info.enableFlag.empty()) (*map)[info.enableFlag] = &info;
      if (!info.disableFlag.empty()) (*map)[info.disableFlag] = &info;
    }
    return map;
  }();
  return *index;
}

bool allDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int toInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

std::span<const CompatFlagInfo> allCompatFlags() { return kCompatFlags; }

const CompatFlagInfo* findCompatFlag(std::string_view flagName) {
  auto& index = flagIndex();
  auto it = index.find(flagName);
  return it == index.end() ? nullptr : it->second;
}

bool isWellFormedCompatDate(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  auto year = date.substr(0, 4), month = date.substr(5, 2), day = date.substr(8, 2);
  if (!allDigits(year) || !allDigits(month) || !allDigits(day)) return false;
  int m = toInt(month), d = toInt(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

std::string todayUtc() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[16];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d", &utc);
  return buffer;
}

bool CompatFlags::enabled(std::string_view name) const {
  if (fields.count(name) != 0) return true;
  const CompatFlagInfo* info = findCompatFlag(name);
  return info != nullptr && info->enableFlag == name && fields.count(info->field) != 0;
}

CompatFlags resolveCompatFlags(std::string_view date, std::span<const std::string> flags,
                               std::vector<std::string>& errors, bool allowExperimental) {
  // Explicit choices: field -> (flag that chose, on/off).
  std::map<std::string_view, std::pair<std::string_view, bool>> chosen;
  std::set<std::string_view> seen;
  for (const std::string& flag : flags) {
    if (!seen.insert(flag).second) {
      errors.push_back("compatibility flag " + quoted(flag) + " is listed more than once");
      continue;
    }
    const CompatFlagInfo* info = findCompatFlag(flag);
    if (info == nullptr) {
      errors.push_back("unknown compatibility flag " + quoted(flag));
      continue;
    }
    bool enable = info->enableFlag == flag;
    if (info->experimental && enable && !allowExperimental) {
      errors.push_back("compatibility flag " + quoted(flag) +
                       " is experimental; experimental features are not enabled");
      continue;
    }
    auto [it, inserted] = chosen.emplace(info->field, std::make_pair(std::string_view(flag), enable));
    if (!inserted) {
      errors.push_back("compatibility flags " + quoted(it->second.first) + " and " +
                       quoted(flag) + " contradict each other");
      continue;
    }
    if (enable && !info->enableDate.empty() && date >= info->enableDate) {
      errors.push_back("compatibility flag " + quoted(flag) + " is on by default since " +
                       std::string(info->enableDate) + "; remove it from compatibilityFlags");
    }
  }

  CompatFlags result;
  for (const auto& info : kCompatFlags) {
    auto it = chosen.find(info.field);
    bool on = it != chosen.end() ? it->second.second
                                 : info.enableAllDates ||
                                       (!info.enableDate.empty() && date >= info.enableDate);
    if (on) result.fields.emplace(info.field);
  }
  // Implications can chain (a implies b implies c): apply until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& info : kCompatFlags) {
      if (info.impliedDate.empty() || date < info.impliedDate) continue;
      if (result.fields.count(info.field) != 0 || chosen.count(info.field) != 0) continue;
      for (std::string_view implier : info.impliedBy) {
        if (!implier.empty() && result.fields.count(implier) != 0) {
          result.fields.emplace(info.field);
          changed = true;
          break;
        }
      }
    }
  }
  return result;
}

}  // namespace colony::config
