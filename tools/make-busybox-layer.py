#!/usr/bin/env python3
# make-busybox-layer.py BUSYBOX OUTPUT.tar: the embedded default layer of boxd — Debian's
# busybox-static with a link per applet, a minimal /etc (root, user 1000, nobody) and the
# directories a box expects. The tar is deterministic (sorted entries, mtime 0, owner 0:0 except
# /home/user), so the same busybox always gives the same layer digest.
import io
import subprocess
import sys
import tarfile

busybox, output = sys.argv[1], sys.argv[2]

with open(busybox, "rb") as f:
    binary = f.read()
if b"\x7fELF" != binary[:4]:
    sys.exit(f"make-busybox-layer: {busybox} is not an ELF binary")
dynamic = subprocess.run(["ldd", busybox], capture_output=True, text=True)
if "not a dynamic" not in dynamic.stdout + dynamic.stderr:
    sys.exit(f"make-busybox-layer: {busybox} is not static; install Debian's busybox-static")
applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()

entries = {}  # path -> (type, mode, content/linkname, uid, gid)
for d, mode in [("bin", 0o755), ("sbin", 0o755), ("usr", 0o755), ("usr/bin", 0o755), ("usr/sbin", 0o755),
                ("etc", 0o755), ("proc", 0o555), ("sys", 0o555), ("dev", 0o755), ("run", 0o755),
                ("tmp", 0o1777), ("root", 0o700), ("var", 0o755), ("var/www", 0o755), ("home", 0o755)]:
    entries[d] = (tarfile.DIRTYPE, mode, None, 0, 0)
entries["home/user"] = (tarfile.DIRTYPE, 0o755, None, 1000, 1000)
entries["bin/busybox"] = (tarfile.REGTYPE, 0o755, binary, 0, 0)
for a in applets:
    if a != "busybox":
        entries.setdefault(f"bin/{a}", (tarfile.SYMTYPE, 0o777, "busybox", 0, 0))
files = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:A user:/home/user:/bin/sh\n"
                  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "etc/group": "root:x:0:\nusers:x:100:user\nuser:x:1000:\nnogroup:x:65534:\n",
    "etc/hostname": "box\n",
    "etc/hosts": "127.0.0.1 localhost\n::1 localhost\n",
    "var/www/index.html": "hello from a box\n",
}
for p, text in files.items():
    entries[p] = (tarfile.REGTYPE, 0o644, text.encode(), 0, 0)

with tarfile.open(output + ".tmp", "w", format=tarfile.PAX_FORMAT) as t:
    for path in sorted(entries):
        kind, mode, data, uid, gid = entries[path]
        info = tarfile.TarInfo(path)
        info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, 0
        info.uname = info.gname = ""
        if kind == tarfile.SYMTYPE:
            info.linkname = data
            t.addfile(info)
        elif kind == tarfile.REGTYPE:
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        else:
            t.addfile(info)
import os
os.replace(output + ".tmp", output)
