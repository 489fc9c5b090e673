#!/usr/bin/env python3
"""Turn files into a C++ table of colony::EmbeddedFile, so the binary carries them.

usage: embed.py [--js-builtins] TABLE OUT.cc FILE...   (each entry is named by the file's base name)

With --js-builtins each file is a built-in JavaScript file (runtime/js): it is embedded already
wrapped as the function the loader calls, `(function (exports, internal) {...})`, so that V8 can
read it in place (runtime/builtin_sources.h), and must be ASCII for the same reason.
"""
import os
import sys

JS_PREFIX = b"(function (exports, internal) {"
JS_SUFFIX = b"\n})"


def check_ascii(path, data):
    for number, line in enumerate(data.split(b"\n"), 1):
        for column, byte in enumerate(line, 1):
            if byte >= 0x80:
                char = line[column - 1:].decode("utf-8", "replace")[0]
                sys.exit("%s:%d:%d: non-ASCII character U+%04X; built-in JavaScript is read by V8 "
                         "as Latin-1 in place, so write it as a \\u escape (or in plain ASCII in "
                         "comments)" % (path, number, column, ord(char)))


def main():
    args = sys.argv[1:]
    js_builtins = args[:1] == ["--js-builtins"]
    if js_builtins:
        args = args[1:]
    table, out, files = args[0], args[1], args[2:]
    lines = ['#include "config/embedded_file.h"', '', 'namespace colony::embedded {', '']
    entries = []
    for i, path in enumerate(files):
        with open(path, 'rb') as f:
            data = f.read()
        if js_builtins:
            check_ascii(path, data)
            data = JS_PREFIX + data + JS_SUFFIX
        body = ','.join(str(b) for b in data)
        lines.append(f'static const unsigned char data{i}[] = {{{body}{"," if data else ""}0}};')
        entries.append(f'  {{"{os.path.basename(path)}", reinterpret_cast<const char*>(data{i}), {len(data)}}},')
    lines.append('')
    lines.append(f'extern const EmbeddedFile {table}[] = {{')
    lines.extend(entries)
    lines.append('  {nullptr, nullptr, 0},')
    lines.append('};')
    lines.append('')
    lines.append('}  // namespace colony::embedded')
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
