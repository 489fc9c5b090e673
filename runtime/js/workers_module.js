"use strict";
// The built-in module "cloudflare:workers": the base classes of class-based entrypoints. A class
// exported by a worker and named as an entrypoint (or the default export) is instantiated per
// request as `new Class(ctx, env)`, and its fetch(request) is called with `this.ctx`/`this.env` set.

const { ObjectFreeze, ObjectCreate, TypeError: TypeErrorCtor } = internal.primordials;

class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

class RpcTarget {}

// `new RpcStub(value)`: a stub on a local function, RpcTarget or object, as if it had come over
// RPC (runtime/js/rpc.js makes it).
class RpcStub {
  constructor(value) {
    return internal.hooks.makeRpcStub(value);
  }
}

const moduleExports = ObjectCreate(null);
moduleExports.WorkerEntrypoint = WorkerEntrypoint;
moduleExports.DurableObject = DurableObject;
moduleExports.WorkflowEntrypoint = WorkflowEntrypoint;
moduleExports.RpcTarget = RpcTarget;
moduleExports.RpcStub = RpcStub;
ObjectFreeze(moduleExports);

// Modules that user code can import by name; the runtime reads this table.
const builtinModules = internal.hooks.builtinModules || (internal.hooks.builtinModules = ObjectCreate(null));
builtinModules["cloudflare:workers"] = moduleExports;

exports.WorkerEntrypoint = WorkerEntrypoint;
exports.isEntrypointClass = function isEntrypointClass(value) {
  if (typeof value !== "function") return false;
  if (value.prototype === undefined) throw new TypeErrorCtor("entrypoint is not a class");
  return true;
};
