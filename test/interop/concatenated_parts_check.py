#!/usr/bin/env python3
"""What smpp-sim's carriers received of messages an upstream split into
concatenated parts (kannel_upstream.sh with parts > 1).

Usage: concatenated_parts_check.py CONTROL_PORT CONTENT_FILE MESSAGES PARTS CARRIER...

Passes (exit 0) when every destination got exactly PARTS submit_sm, all
through one carrier, each with UDHI and a concatenation IE of one reference,
PARTS in total, numbered 1..PARTS, whose texts joined in order are the
content; and the messages reached more than one carrier (the route shares
them). Prints one line per check, and on the last line the number of parts
that asked for a receipt (registered_delivery), for the caller's receipt
counts.
"""
import json
import socket
import sys
from collections import defaultdict


def received(port, carrier, limit):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"received {carrier} {limit}\n".encode())
        f = s.makefile("r", encoding="utf-8")
        head = f.readline().split()
        if len(head) < 2 or head[0] != "ok":
            raise SystemExit(f"smpp-sim control: unexpected answer {head!r}")
        return [json.loads(f.readline()) for _ in range(int(head[1]))]


def concatenation(short_message):
    """(ref, total, number, text) from a UDH with an 8- or 16-bit concatenation IE."""
    udhl = short_message[0]
    udh, text = short_message[1:1 + udhl], short_message[1 + udhl:]
    i = 0
    while i + 2 <= len(udh):
        iei, length = udh[i], udh[i + 1]
        data = udh[i + 2:i + 2 + length]
        if iei == 0x00 and length == 3:
            return data[0], data[1], data[2], text
        if iei == 0x08 and length == 4:
            return (data[0] << 8) | data[1], data[2], data[3], text
        i += 2 + length
    return None


def main():
    port, content_file, messages, parts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    carriers = sys.argv[5:]
    with open(content_file, "rb") as f:
        content = f.read().rstrip(b"\n")
    by_dest = defaultdict(list)  # destination -> [(carrier, record)]
    for c in carriers:
        for r in received(port, c, 2 * messages * parts + 100):
            by_dest[r["dest"]["addr"]].append((c, r))
    failed = []

    def check(what, ok):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failed.append(what)

    check(f"smpp-sim: {messages} destinations", len(by_dest) == messages)
    wrong_count, split, bad_udh, bad_text = [], [], [], []
    per_carrier = defaultdict(int)
    asked = 0
    for dest, got in sorted(by_dest.items()):
        if len(got) != parts:
            wrong_count.append(f"{dest}: {len(got)}")
            continue
        used = {c for c, _ in got}
        if len(used) != 1:
            split.append(f"{dest}: {sorted(used)}")
        per_carrier[next(iter(used))] += 1
        seen = {}
        for _, r in got:
            asked += 1 if r["registered_delivery"] & 0x03 else 0
            sm = bytes.fromhex(r["short_message"])
            c = concatenation(sm) if r["esm_class"] & 0x40 and sm else None
            if c is None:
                bad_udh.append(f"{dest}: esm_class {r['esm_class']}")
                continue
            seen[c[2]] = c
        refs = {c[0] for c in seen.values()}
        totals = {c[1] for c in seen.values()}
        if sorted(seen) != list(range(1, parts + 1)) or len(refs) != 1 or totals != {parts}:
            bad_udh.append(f"{dest}: parts {sorted(seen)} refs {sorted(refs)} totals {sorted(totals)}")
            continue
        if b"".join(seen[k][3] for k in range(1, parts + 1)) != content:
            bad_text.append(dest)
    check(f"smpp-sim: {parts} submit_sm per destination" + (f" (not: {wrong_count[:5]})" if wrong_count else ""),
          not wrong_count)
    check("smpp-sim: each message's parts through one carrier" + (f" (split: {split[:5]})" if split else ""),
          not split)
    check("smpp-sim: UDHI with one concatenation reference, parts 1.." + str(parts) +
          (f" (not: {bad_udh[:5]})" if bad_udh else ""), not bad_udh)
    check("smpp-sim: the parts' texts joined are the content" + (f" (not: {bad_text[:5]})" if bad_text else ""),
          not bad_text)
    check(f"smpp-sim: the route shared the messages over its carriers {dict(per_carrier)}",
          len(per_carrier) == len(carriers))
    print(f"receipts asked {asked}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
