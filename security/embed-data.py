#!/usr/bin/env python3
# Build-time helper (no systemd-analyze needed):
#   embed-data.py groups syscall-groups.txt OUT.h   -> the group table as C arrays
#   embed-data.py string FILE SYMBOL OUT.h          -> FILE as a C string constant
import sys


def c_string(s):
    out = []
    for line in s.splitlines(keepends=True):
        esc = line.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n').replace('\t', '\\t')
        out.append('        "' + esc + '"')
    return '\n'.join(out) if out else '        ""'


def groups(src, dst):
    groups = []
    for raw in open(src, encoding='utf-8'):
        line = raw.rstrip('\n')
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        if line.startswith('@'):
            groups.append((line.strip(), []))
        elif line[0] in ' \t':
            if not groups:
                sys.exit(f'{src}: member before the first group')
            groups[-1][1].append(line.strip())
        else:
            sys.exit(f'{src}: cannot parse line {line!r}')
    with open(dst, 'w', encoding='utf-8') as f:
        f.write('/* Generated from security/syscall-groups.txt by security/embed-data.py. */\n')
        for i, (name, members) in enumerate(groups):
            f.write(f'static const char *const group_members_{i}[] = {{ /* {name} */\n')
            for m in members:
                f.write(f'        "{m}",\n')
            f.write('        NULL,\n};\n')
        f.write('static const SyscallGroup syscall_group_table[] = {\n')
        for i, (name, _) in enumerate(groups):
            f.write(f'        {{ "{name}", group_members_{i} }},\n')
        f.write('};\n')


def string(src, symbol, dst):
    data = open(src, encoding='utf-8').read()
    with open(dst, 'w', encoding='utf-8') as f:
        f.write(f'/* Generated from {src.split("/")[-1]} by security/embed-data.py. */\n')
        f.write(f'static const char {symbol}[] =\n{c_string(data)};\n')


if sys.argv[1] == 'groups':
    groups(sys.argv[2], sys.argv[3])
elif sys.argv[1] == 'string':
    string(sys.argv[2], sys.argv[3], sys.argv[4])
else:
    sys.exit('usage: embed-data.py groups|string …')
