// The V8 serializer delegate used by structured cloning. libnode's V8 is built without RTTI, so
// subclasses of its classes live in clone_delegate.cc, compiled with -fno-rtti.
#pragma once

#include <v8.h>
#include <v8-value-serializer.h>

#include <memory>

namespace colony::api {

// Clone errors become whatever `makeError(message)` returns, thrown into the isolate.
// The private property naming the type of an object structured cloning refuses (CryptoKey):
// such objects are host objects (they have an internal field) and this property holds the name
// used in the DataCloneError.
v8::Local<v8::Private> uncloneableTypeKey(v8::Isolate* isolate);

std::unique_ptr<v8::ValueSerializer::Delegate> newCloneDelegate(v8::Isolate* isolate,
                                                                v8::Local<v8::Function> makeError);

// JS RPC (runtime/api/rpc.cc): a host object holding an index under rpcCapKey() is written as
// that index followed by the value under rpcMetaKey(); reading it back makes a plain object with
// the same two private properties (counted in *count), for rpc.js to replace. `*slot` must point
// at the serializer or deserializer the delegate serves before it is used.
v8::Local<v8::Private> rpcCapKey(v8::Isolate* isolate);
v8::Local<v8::Private> rpcMetaKey(v8::Isolate* isolate);
std::unique_ptr<v8::ValueSerializer::Delegate> newRpcSerializerDelegate(
    v8::Isolate* isolate, v8::Local<v8::Function> makeError, v8::ValueSerializer** slot);
std::unique_ptr<v8::ValueDeserializer::Delegate> newRpcDeserializerDelegate(
    v8::ValueDeserializer** slot, uint32_t* count);

}  // namespace colony::api
