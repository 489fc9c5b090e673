#!/usr/bin/env python3
"""Turn files into a C++ table of colony::EmbeddedFile, so the binary carries them.

usage: embed.py TABLE OUT.cc FILE...   (each entry is named by the file's base name)
"""
import os
import sys


def main():
    table, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    lines = ['#include "config/embedded_file.h"', '', 'namespace colony::embedded {', '']
    entries = []
    for i, path in enumerate(files):
        with open(path, 'rb') as f:
            data = f.read()
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
