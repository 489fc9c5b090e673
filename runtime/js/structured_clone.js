"use strict";
// HTML's structuredClone(value, {transfer}), on V8's serializer (ops.structuredClone).

const { ArrayAppend, SymbolIterator, TypeError: TypeErrorCtor } = internal.primordials;
const ops = internal.ops;
const { DOMException } = internal.require("dom_exception");

const makeDataCloneError = (message) => new DOMException(message, "DataCloneError");

// Global operations are methods, not function declarations: as in WebIDL (and workerd), they are
// not constructors and have no prototype.
const structuredClone = { structuredClone(value, options = undefined) {
  if (arguments.length < 1) {
    throw new TypeErrorCtor("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  }
  const transfer = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== "object" && typeof options !== "function") {
      throw new TypeErrorCtor("Failed to execute 'structuredClone': parameter 2 is not of type 'StructuredSerializeOptions'.");
    }
    const list = options.transfer;
    if (list !== undefined) {
      if (list === null || typeof list !== "object" || typeof list[SymbolIterator] !== "function") {
        throw new TypeErrorCtor("Failed to execute 'structuredClone': the transfer option is not a sequence.");
      }
      for (const item of list) {
        if (item === null || (typeof item !== "object" && typeof item !== "function")) {
          throw new TypeErrorCtor("Failed to execute 'structuredClone': every transfer list entry must be an object.");
        }
        ArrayAppend(transfer, item);
      }
      for (let i = 0; i < transfer.length; i++) {
        if (internal.primordials.ObjectPrototypeToString(transfer[i]) !== "[object ArrayBuffer]") {
          throw makeDataCloneError("Only ArrayBuffers can be transferred by structuredClone.");
        }
      }
    }
  }
  return ops.structuredClone(value, transfer, makeDataCloneError);
} }.structuredClone;

exports.structuredClone = structuredClone;
exports.cloneForMessage = (value) => ops.structuredClone(value, [], makeDataCloneError);
