#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Box networking with a real boxd (inside the network namespace lib.sh made for it): .network
# units, names and addresses between boxes, isolation between networks, stable Address=auto
# leases across restarts of the box and of boxd, a full /29, published TCP and UDP ports, a
# SIGKILL of boxd with 10 networked boxes, bad input; and that nothing is left behind.
# Usage: test-network.sh BOXD BOXCTL PAYLOAD
BOXD=$1 BOXCTL=$2 PAYLOAD=$3
source "$(dirname "$0")/lib.sh"
PAYLOAD=$(realpath "$PAYLOAD")

NS=/run/netns/$NETNS
inns() { nsenter --net="$NS" "$@"; }
# http_get HOST PORT: GET / over plain TCP from boxd's namespace (bash's /dev/tcp; busybox-static's
# wget crashes on some hosts when glibc's NSS is configured, so neither side relies on it)
http_get() { inns timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' _ "$1" "$2" 2>&1; }
# net UNIT SUBNET [KEY=VALUE…]: a .network unit
net() { local n=$1 s=$2; shift 2; printf '[Network]\nSubnet=%s\n' "$s" > "$UNITS/$n"; for kv in "$@"; do echo "$kv" >> "$UNITS/$n"; done; }
# nbox NAME BRIDGE [LINE…]: a busybox box on BRIDGE that sleeps unless an ExecStart= is given
nbox() {
        local n=$1 br=$2; shift 2
        local exec='ExecStart=/bin/sleep 100000'
        for l in "$@"; do [[ $l == ExecStart=* ]] && exec=$l; done
        {
                printf '[Box]\n%s\n[Rootfs]\nLayers=busybox\nBindReadOnly=%s:/payload\n[Security]\nCapability=NET_RAW\n[Network]\nBridge=%s\n' \
                        "$exec" "$PAYLOAD" "$br"
                for l in "$@"; do [[ $l == ExecStart=* ]] || echo "$l"; done
        } > "$UNITS/$n"
}
veths() { ip -n "$NETNS" -o link show type veth 2>/dev/null | wc -l; }
has_link() { ip -n "$NETNS" link show "$1" >/dev/null 2>&1; }
addrs() { prop "$1" Addresses; }

# a box's start fails with a message matching RE, and leaves no interface, state record or lease
refused() {
        local box=$1 re=$2 out before
        before=$(veths)
        out=$(bx start "$box" 2>&1) && { echo "started: $out"; return 1; }
        grep -Eq "$re" <<<"$out" || { echo "message: $out"; return 1; }
        [ "$(veths)" = "$before" ] || { echo "a veth is left"; return 1; }
        [ -d "$P/run/boxd/network/boxes" ] && [ ! -e "$P/run/boxd/network/boxes/${box%.box}" ] || { echo "a record is left (or no record directory)"; return 1; }
        [ -z "$(find "$P/var/lib/boxd/network/leases" -name "${box%.box}" 2>/dev/null)" ] || { echo "a lease is left"; return 1; }
        grep -q "NETWORK" <<<"$(prop "$box" FailedStep)" || { echo "FailedStep: $(prop "$box" FailedStep)"; return 1; }
}

start_boxd || { tap_fail "boxd starts"; tap_done; exit 1; }
# forwarding on in boxd's namespace: isolation must not rely on it being off
inns sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
ip -n "$NETNS" link set lo up

# ---- two boxes on one network reach each other; a third on another network does not ----
net front.network 10.91.0.0/24 DNS=10.91.0.1
net back.network 10.92.0.0/24
nbox a.box front
nbox b.box front
nbox c.box back
check "start a and b on front.network, c on back.network" bx start a.box b.box c.box
check "a has 10.91.0.2/24" test "$(addrs a.box)" = "10.91.0.2/24"
check "a's network record is in RUNTIME (what exists in the kernel), its lease in STATE" \
        sh -c 'grep -q "^address=10.91.0.2/24$" "$1/run/boxd/network/boxes/a" && grep -rq "10.91.0.2" "$1/var/lib/boxd/network/leases" && [ ! -e "$1/var/lib/boxd/network/boxes" ]' - "$P"
check "b has 10.91.0.3/24" test "$(addrs b.box)" = "10.91.0.3/24"
check "boxctl list shows the address" grep -Eq '^a.box .* 10\.91\.0\.2( |$)' <<<"$(bx list)"
check "boxctl list --json has every box's addresses (one ListAddresses call)" python3 -c '
import json, sys
d = {e["name"]: e["addresses"] for e in json.load(sys.stdin)}
assert d["a.box"] == ["10.91.0.2/24"] and d["b.box"] == ["10.91.0.3/24"] and d["c.box"] == ["10.92.0.2/24"], d' <<<"$(bx list --json)"
if command -v busctl >/dev/null; then
        check "ListAddresses answers the same" grep -q '"a.box" 1 "10.91.0.2/24"' \
                <<<"$(busctl --address="unix:path=$P/run/boxd/private" call io.boxd /io/boxd/Manager io.boxd.Manager1 ListAddresses)"
else
        tap_skip "ListAddresses over busctl" "no busctl"
fi
check "boxctl status shows the network" grep -q 'Network: 10.91.0.2/24' <<<"$(bx status a.box)"
check "a's /etc/hosts names b" bx exec a.box -- grep -q '^10\.91\.0\.3[[:space:]]b$' /etc/hosts
check "a's /etc/resolv.conf has the network's DNS=" bx exec a.box -- grep -q '^nameserver 10\.91\.0\.1$' /etc/resolv.conf
check "/etc/hosts is read-only inside the box" bx exec a.box -- sh -c '! echo x >> /etc/hosts'
check "a reaches b by name" bx exec a.box -- ping -c1 -W2 b
check "lo is up in a (boxd set up its namespace)" bx exec a.box -- ping -c1 -W2 127.0.0.1
check "a's /etc/hosts is the network's one file, mounted read-only" \
        bx exec a.box -- sh -c 'grep -q " /etc/hosts ro" /proc/self/mounts || grep -q " /etc/hosts .*[ ,]ro[ ,]" /proc/self/mounts'
nbox d.box front
check "start d after a" bx start d.box
check "a (started before d) sees d in /etc/hosts" bx exec a.box -- grep -q '^10\.91\.0\.4[[:space:]]d$' /etc/hosts
check "stop d" bx stop d.box
check "a no longer sees the stopped d" bx exec a.box -- sh -c '! grep -q "[[:space:]]d$" /etc/hosts'
check "b reaches a by address" bx exec b.box -- ping -c1 -W2 10.91.0.2
check "c (back.network) cannot reach a" bx exec c.box -- sh -c '! ping -c1 -W1 10.91.0.2'
check "c does not know a's name" bx exec c.box -- sh -c '! grep -q "[[:space:]]a$" /etc/hosts'
check "the bridges exist in boxd's namespace" sh -c "ip -n $NETNS link show front && ip -n $NETNS link show back" 

# ---- Address=auto is stable across restarts of the box and of boxd ----
# Bridge= may name the bridge of a .network unit called otherwise
net lab.network 10.98.0.0/24 Bridge=labbr0
nbox l.box labbr0
check "start a box with Bridge=labbr0 (lab.network's Bridge=)" bx start l.box
check "it got its address from lab.network's subnet" test "$(addrs l.box)" = "10.98.0.2/24"
check "its veth is a port of labbr0" test -n "$(ip -n "$NETNS" -br link show master labbr0)"
check "lab.network's hosts file lists l" grep -q "^10\.98\.0\.2[[:space:]]l$" "$P/run/boxd/network/lab.network/hosts"
check "stop l.box" bx stop l.box
check "restart b" bx restart b.box
check "b keeps 10.91.0.3/24 after a restart" test "$(addrs b.box)" = "10.91.0.3/24"
check "a's /etc/hosts is current after b's restart" bx exec a.box -- grep -q '^10\.91\.0\.3[[:space:]]b$' /etc/hosts
check "stop b" bx stop b.box
check "a's /etc/hosts no longer names the stopped b" bx exec a.box -- sh -c '! grep -q "[[:space:]]b$" /etc/hosts'
check "no veth of the stopped b" sh -c "! ip -n $NETNS link show vb-b"
stop_boxd TERM
start_boxd
check "after kill -TERM of boxd, a is re-adopted with its address" test "$(addrs a.box)" = "10.91.0.2/24"
bx start b.box
check "start b again: same address" test "$(addrs b.box)" = "10.91.0.3/24"
stop_boxd KILL
start_boxd
check "after kill -KILL of boxd, a and b keep their addresses" test "$(addrs a.box) $(addrs b.box)" = "10.91.0.2/24 10.91.0.3/24"
# b started three times: its MAC is derived from its name, so a's cached neighbour entry stays right
check "and still reach each other" bx exec a.box -- ping -c1 -W2 b
check "c's address survived too" test "$(addrs c.box)" = "10.92.0.2/24"

# ---- published ports ----
nbox web.box front 'ExecStart=/bin/sh -c "mkdir -p /www && echo hello-web > /www/index.html && (/payload udp-echo 53 &) && exec busybox httpd -f -p 80 -h /www"' \
        'Port=8080:80' 'Port=5353:53/udp'
check "start web with Port=8080:80 and Port=5353:53/udp" bx start web.box
WEB=$(addrs web.box); WEB=${WEB%/*}
web_up() { http_get 127.0.0.1 8080 | grep -q hello-web; }
check "TCP: 127.0.0.1:8080 in boxd's namespace answers" wait_for 10 web_up
check "TCP: the bridge address 10.91.0.1:8080 answers" grep -q hello-web <<<"$(http_get 10.91.0.1 8080)"
check "TCP: another box reaches web by name on port 80" grep -q hello-web <<<"$(bx exec a.box -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 web 80' 2>&1)"
udp=$(inns timeout 5 bash -c 'exec 3<>/dev/udp/127.0.0.1/5353; echo ping >&3; dd bs=512 count=1 status=none <&3 | head -1' 2>&1)
check "UDP: 127.0.0.1:5353 echoes" test "$udp" = "echo:ping"
udp=$(inns timeout 5 bash -c 'exec 3<>/dev/udp/10.91.0.1/5353; echo pong >&3; dd bs=512 count=1 status=none <&3 | head -1' 2>&1)
check "UDP: the bridge address echoes" test "$udp" = "echo:pong"

# ---- bad input: a clear error, nothing left ----
nbox out.box front 'Address=10.99.0.5/24'
check "an address outside the subnet is refused" refused out.box 'outside|not in|subnet'
nbox dup.box front 'Address=10.91.0.3/24'
check "a duplicate static address is refused" refused dup.box 'in use|used by|already'
nbox nobr.box nosuchbr
check "an unknown bridge is refused" refused nobr.box 'nosuchbr'
nbox taken.box front 'Port=8080:80'
check "a port already published is refused" refused taken.box '8080'
check "web still answers after the refusals" grep -q hello-web <<<"$(http_get 127.0.0.1 8080)"

# ---- a /29 fills up ----
net small.network 10.93.0.0/29
for i in 1 2 3 4 5 6; do nbox "s$i.box" small; done
check "five boxes fill 10.93.0.0/29" bx start s1.box s2.box s3.box s4.box s5.box
check "the sixth gets 'no free address in 10.93.0.0/29'" refused s6.box 'no free address in 10\.93\.0\.0/29'
check "stop the /29 boxes and web" bx stop s1.box s2.box s3.box s4.box s5.box web.box

# ---- SIGKILL of boxd with 10 networked boxes; then nothing is left ----
net many.network 10.94.0.0/24 IPMasquerade=yes
names=$(for i in $(seq 1 10); do nbox "m$i.box" many 'Port='$((9000 + i))':80'; echo "m$i.box"; done)
check "start 10 boxes on many.network" bx start $names
check "10 veths for them" test "$(ip -n "$NETNS" -o link show master many | wc -l)" = 10
stop_boxd KILL
start_boxd && tap_ok "boxd comes back after SIGKILL" || tap_fail "boxd comes back after SIGKILL"
check "the 10 boxes are re-adopted with addresses" test "$(for n in $names; do addrs $n; done | grep -c '^10\.94\.0\.')" = 10
check "stop everything" bx stop $names a.box b.box c.box
rm -f "$UNITS"/*.network
check "daemon-reload after removing the .network units" bx daemon-reload
left_links=$(ip -n "$NETNS" -o link show | grep -v ': lo:')
check "no veth or bridge is left" test -z "$left_links"
check "no address is left" test -z "$(ip -n "$NETNS" -o addr show | grep -v ' lo ')"
check "no route is left" test -z "$( (ip -n "$NETNS" route show table all; ip -n "$NETNS" -6 route show table all) | grep -v ' dev lo ')"
check "no nftables rule is left" test -z "$(inns nft list ruleset)"
check "no box or network record is left (RUNTIME/network/boxes, networks)" sh -c '[ -d "$1/boxes" ] && [ -d "$1/networks" ] && [ -z "$(find "$1/boxes" "$1/networks" -type f)" ]' - "$P/run/boxd/network"

tap_done
