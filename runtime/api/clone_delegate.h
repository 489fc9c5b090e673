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

}  // namespace colony::api
