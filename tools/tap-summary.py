#!/usr/bin/env python3
# Reads meson's testlog.json files and prints one line: "N passed, N failed, N skipped".
# TAP tests count each case; other tests count once.
import json
import re
import sys

passed = failed = skipped = 0
args = sys.argv[1:]
# --check NAME=ok|fail: a check done outside meson (e.g. a warning-free build) counts as one case
while args and args[0] == '--check':
    name, _, result = args[1].partition('=')
    if result == 'ok':
        passed += 1
    else:
        failed += 1
        print('failed: %s' % name, file=sys.stderr)
    args = args[2:]
for path in args:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        print('missing test log %s' % path, file=sys.stderr)
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get('stdout') or ''
        cases = [l for l in out.splitlines() if re.match(r'(not )?ok\b', l)]
        if t.get('protocol') == 'tap' or cases:
            if not cases:
                # a TAP test that produced no case (crashed before its first line) is one failure
                failed += t['result'] not in ('OK', 'SKIP')
                skipped += t['result'] == 'SKIP'
                continue
            for c in cases:
                if re.search(r'#\s*SKIP', c, re.I):
                    skipped += 1
                elif c.startswith('ok'):
                    passed += 1
                elif re.search(r'#\s*TODO', c, re.I):
                    skipped += 1
                else:
                    failed += 1
            if t['result'] not in ('OK', 'SKIP', 'EXPECTEDFAIL') and all(c.startswith('ok') for c in cases):
                failed += 1  # the runner failed after its cases (crash, bad plan)
        else:
            r = t['result']
            if r in ('OK', 'EXPECTEDFAIL'):
                passed += 1
            elif r == 'SKIP':
                skipped += 1
            else:
                failed += 1
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
sys.exit(1 if failed else 0)
