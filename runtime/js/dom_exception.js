"use strict";
// DOMException (WebIDL): name, message and legacy code. Like the reference runtime, name/message/
// code are own properties of each instance and instances inherit from Error.prototype.

const {
  ErrorCaptureStackTrace, ObjectDefineProperty, ObjectFreeze, ObjectKeys, StringPrototypeToUpperCase,
  StringPrototypeReplace, String: StringCtor, ReflectDefineProperty,
} = internal.primordials;

// Error names with a legacy code, in code order (code = index + 1; holes have no name).
const legacyNames = [
  "IndexSizeError", null, "HierarchyRequestError", "WrongDocumentError", "InvalidCharacterError",
  null, "NoModificationAllowedError", "NotFoundError", "NotSupportedError", "InUseAttributeError",
  "InvalidStateError", "SyntaxError", "InvalidModificationError", "NamespaceError",
  "InvalidAccessError", null, "TypeMismatchError", "SecurityError", "NetworkError", "AbortError",
  "URLMismatchError", "QuotaExceededError", "TimeoutError", "InvalidNodeTypeError", "DataCloneError",
];
const constantNames = [
  "INDEX_SIZE_ERR", "DOMSTRING_SIZE_ERR", "HIERARCHY_REQUEST_ERR", "WRONG_DOCUMENT_ERR",
  "INVALID_CHARACTER_ERR", "NO_DATA_ALLOWED_ERR", "NO_MODIFICATION_ALLOWED_ERR", "NOT_FOUND_ERR",
  "NOT_SUPPORTED_ERR", "INUSE_ATTRIBUTE_ERR", "INVALID_STATE_ERR", "SYNTAX_ERR",
  "INVALID_MODIFICATION_ERR", "NAMESPACE_ERR", "INVALID_ACCESS_ERR", "VALIDATION_ERR",
  "TYPE_MISMATCH_ERR", "SECURITY_ERR", "NETWORK_ERR", "ABORT_ERR", "URL_MISMATCH_ERR",
  "QUOTA_EXCEEDED_ERR", "TIMEOUT_ERR", "INVALID_NODE_TYPE_ERR", "DATA_CLONE_ERR",
];

function codeForName(name) {
  for (let i = 0; i < legacyNames.length; i++) if (legacyNames[i] === name) return i + 1;
  return 0;
}

class DOMException extends Error {
  constructor(message = "", name = "Error") {
    super();
    const msg = StringCtor(message);
    const nm = StringCtor(name);
    ReflectDefineProperty(this, "code", { value: codeForName(nm), enumerable: true, configurable: true, writable: true });
    ReflectDefineProperty(this, "name", { value: nm, enumerable: true, configurable: true, writable: true });
    ReflectDefineProperty(this, "message", { value: msg, enumerable: true, configurable: true, writable: true });
    if (ErrorCaptureStackTrace) ErrorCaptureStackTrace(this, DOMException);
  }
}
for (let i = 0; i < constantNames.length; i++) {
  const desc = { value: i + 1, enumerable: true, writable: false, configurable: false };
  ObjectDefineProperty(DOMException, constantNames[i], desc);
  ObjectDefineProperty(DOMException.prototype, constantNames[i], desc);
}
ObjectDefineProperty(DOMException.prototype, "name", { value: "Error", writable: true, configurable: true });

exports.DOMException = DOMException;
