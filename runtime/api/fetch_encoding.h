// HTTP content codings, as workerd handles them: fetch() decodes gzip and br response bodies as JS
// reads them, and a worker's response body is encoded when its Content-Encoding header asks for
// gzip or br. Other codings ("deflate" included) pass through untouched both ways.
#pragma once

#include <kj/async-io.h>
#include <kj/string.h>

namespace colony::api {

enum class ContentCoding { GZIP, BROTLI };

// The coding a Content-Encoding value names, if it is exactly one Colony handles ("gzip",
// "x-gzip", and "br" when `brotli` is on). Lists of codings and unknown names are left
// alone: the body is then handed over as it came.
kj::Maybe<ContentCoding> parseContentCoding(kj::StringPtr value, bool brotli);

// Reads `inner` and yields the decoded bytes; corrupt or truncated data fails the read with an
// error naming the coding.
kj::Own<kj::AsyncInputStream> newDecodingStream(kj::Own<kj::AsyncInputStream> inner,
                                                ContentCoding coding);

// Compresses what is written into `inner`; end() writes the final block (call it once, after
// the last write, before dropping the stream).
class EncodingOutputStream : public kj::AsyncOutputStream {
 public:
  virtual kj::Promise<void> end() = 0;
};
kj::Own<EncodingOutputStream> newEncodingStream(kj::AsyncOutputStream& inner, ContentCoding coding);

}  // namespace colony::api
