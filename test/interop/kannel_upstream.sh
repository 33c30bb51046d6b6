#!/usr/bin/env bash
# Debian's Kannel as the upstream ESME of the real smpp-connector binary:
#
#   mtbatch -> bearerbox (smsc group, type smpp, transceiver)
#           -> smpp-connector (one account "kannel", one carrier; two with PARTS)
#           -> smpp-sim (a receipt per submit_sm asking for one, all delivered)
#
# mtbatch hands bearerbox N messages with dlr-mask 3 (delivered | failed),
# so Kannel's SMPP module sends each submit_sm with registered_delivery 1.
# Passes when, within bounded waits:
#   - Kannel's access log has N "Sent SMS" (submit_sm_resp ROK from us), N
#     "Receive DLR" (our deliver_sm receipts, matched to its own DLR store,
#     each delivered, for exactly the message_ids it got from us) and no
#     "FAILED"/"REJECTED Send SMS";
#   - bearerbox's log has no warning or error but those about its box
#     (non-zero command_status, a PDU it could not parse, a DLR it could not
#     match all show there);
#   - smpp-connector, on SIGTERM, exits 0 and logs "forward path: N
#     accepted, 0 refused, N sent", "carrier receipts: N matched" and
#     "upstream receipts: N forwarded" (N x PARTS sent and matched with
#     PARTS > 1: every part asks its carrier for a receipt).
# Exit 77 (ctest SKIP_RETURN_CODE) only when bearerbox/mtbatch are missing.
#
# With PARTS > 1 the text is PARTS SMS long: bearerbox splits each message
# into UDH concatenated parts itself, the connector's "44" route is shared by
# two carriers, and concatenated_parts_check.py asserts at the simulator that
# every message's parts went through one carrier and join to the text.
#
# Usage: kannel_upstream.sh SMPP_CONNECTOR SMPP_SIM [N] [PARTS]
# KEEP=1 keeps the work dir (configs and logs) for a look afterwards.
set -euo pipefail

connector_bin=${1:?usage: kannel_upstream.sh SMPP_CONNECTOR SMPP_SIM [N] [PARTS]}
sim_bin=${2:?usage: kannel_upstream.sh SMPP_CONNECTOR SMPP_SIM [N] [PARTS]}
n=${3:-200}
# Parts per message: above 1 the text is that long (153 GSM characters a
# part) and bearerbox splits it into UDH concatenated parts itself.
parts=${4:-1}

for tool in bearerbox mtbatch; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "SKIP: $tool not installed (Debian package kannel, see tools/setup)"
    exit 77
  fi
done
PATH=$PATH:/usr/sbin
for bin in "$connector_bin" "$sim_bin"; do
  [ -x "$bin" ] || { echo "kannel_upstream: $bin missing: build it first" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kannel-upstream.XXXXXX")
pids=()
failed=0
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_logs() {
  local f
  for f in sim.out connector.out bearerbox.log bearerbox.out access.log mtbatch.out; do
    [ -f "$work/$f" ] || continue
    local lines=40
    [ "$f" = access.log ] && lines=5
    echo "== $f (last $lines lines)"
    tail -n "$lines" "$work/$f"
  done
}
die() {
  echo "FAIL: $*"
  show_logs
  exit 1
}
check() {  # check DESCRIPTION COMMAND...: records a failure, carries on
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failed=1; fi
}

# A port nobody listens on now (Kannel and the connector need fixed ports
# in their configs). Someone may take it before the server binds it; the
# waits below then fail with the server's own "cannot listen" line.
taken=" "
# Below the kernel's ephemeral range: a port from it can be taken as the
# local end of some other test's outgoing connection before our server binds.
ephemeral_low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$ephemeral_low" -gt 12000 ] || ephemeral_low=32768
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    case $taken in *" $p "*) continue ;; esac
    if ! (exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken="$taken$p "
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}
# wait_for SECONDS COMMAND...: polls every 0.1 s.
wait_for() {
  local tenths=$(($1 * 10)); shift
  for _ in $(seq 1 "$tenths"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# --- smpp-sim: a receipt (text and TLVs) 50 ms after each submit; one
# carrier, or with parts > 1 two that the connector's route shares.
carrier_names=(simcarrier)
[ "$parts" -gt 1 ] && carrier_names+=(simcarrier2)
{
  cat <<EOF
seed: 7
log_level: warn
control: {host: 127.0.0.1, port: 0}
record_limit: $((n * parts + 100))
session: {window: 1000, enquire_link_interval_ms: 0}
carriers:
EOF
  for c in "${carrier_names[@]}"; do
    cat <<EOF
  - name: $c
    port: 0
    system_id: simcarr
    password: simpw
    message_id: {format: hex, width: 0, case: lower}
    receipts: {mode: both, delay_ms: 50, on: same, status: {delivered: 1.0}}
EOF
  done
} > "$work/sim.yaml"
"$sim_bin" --config "$work/sim.yaml" > "$work/sim.out" 2>&1 &
pids+=($!)
wait_for 10 grep -q '^ready' "$work/sim.out" || die "smpp-sim did not print ready in 10 s"
control_port=$(awk '$1 == "control" {print $2}' "$work/sim.out")
[ -n "$control_port" ] || die "smpp-sim printed no control port"

# --- smpp-connector: one account for Kannel, one carrier (the sim), route "44".
password=kanpw
hash=$("$connector_bin" hash-password --password "$password") || die "hash-password failed"
connector_port=$(free_port)
{
  echo "carriers:"
  for c in "${carrier_names[@]}"; do
    sim_port=$(awk -v c="$c" '$1 == "carrier" && $2 == c {print $3}' "$work/sim.out")
    [ -n "$sim_port" ] || die "smpp-sim printed no port for carrier $c"
    cat <<EOF
  - id: $c
    name: smpp-sim $c
    endpoints: ["127.0.0.1:$sim_port"]
    system_id: simcarr
    password: simpw
    bind_mode: transceiver
    binds: 1
    window: 50
    max_tps: 5000
    enquire_link_interval_ms: 30000
    response_timeout_ms: 10000
    reconnect: {base_ms: 200, max_ms: 2000, jitter: 0.5}
    receipt_id_format: hex
EOF
  done
} > "$work/carriers.yaml"
# The route "44": every carrier at the same priority, so they share it by
# weight and only the connector's part pins keep a message's parts together.
{
  printf 'routes:\n  - prefix: "44"\n    country: GB\n    candidates:\n'
  for c in "${carrier_names[@]}"; do echo "      - { carrier: $c, priority: 1 }"; done
} > "$work/routes.yaml"
cat > "$work/connector.yaml" <<EOF
listener:
  host: 127.0.0.1
  port: $connector_port
session:
  system_id: smpp-connector
  window: 100
  response_timeout_ms: 10000
  enquire_link_interval_ms: 30000
  bind_timeout_ms: 10000
  unbind_timeout_ms: 5000
  write_queue_limit: 1048576
  max_command_length: 65536
log_level: info
accounts:
  - system_id: kannel
    password_hash: "$hash"
    bind_types: [transceiver]
    max_binds: 2
carriers_file: carriers.yaml
routes_file: routes.yaml
ledger:
  path: $work/ledger
  sync: false
EOF
"$connector_bin" --config "$work/connector.yaml" --check > "$work/check.out" 2>&1 ||
  die "smpp-connector --check refused the config: $(cat "$work/check.out")"
"$connector_bin" --config "$work/connector.yaml" > "$work/connector.out" 2>&1 &
connector_pid=$!
pids+=($connector_pid)
wait_for 10 grep -q "listening on 127.0.0.1:$connector_port" "$work/connector.out" ||
  die "smpp-connector did not report listening on $connector_port in 10 s"

# --- bearerbox: one SMPP transceiver bind to the connector; mtbatch is its box.
admin_port=$(free_port)
box_port=$(free_port)
cat > "$work/kannel.conf" <<EOF
group = core
admin-port = $admin_port
admin-password = interop
admin-interface = 127.0.0.1
smsbox-port = $box_port
box-allow-ip = 127.0.0.1
log-file = "$work/bearerbox.log"
log-level = 1
access-log = "$work/access.log"
sms-resend-retry = 0
dlr-storage = internal

# No smsbox runs (mtbatch connects as one); bearerbox refuses to start without the group.
group = smsbox
bearerbox-host = 127.0.0.1

group = smsc
smsc = smpp
smsc-id = connector
host = 127.0.0.1
port = $connector_port
transceiver-mode = true
smsc-username = kannel
smsc-password = $password
system-type = ""
instances = 1
max-pending-submits = 50
enquire-link-interval = 30
reconnect-delay = 1
log-level = 1
EOF
(cd "$work" && exec bearerbox -v 4 kannel.conf) > "$work/bearerbox.out" 2>&1 &
bearerbox_pid=$!
pids+=($bearerbox_pid)
# The connector logs every bind with its verdict.
bound() {
  kill -0 "$bearerbox_pid" 2>/dev/null || die "bearerbox exited"
  grep -q "system_id=kannel type=transceiver verdict=ESME_ROK" "$work/connector.out"
}
wait_for 15 bound || die "bearerbox did not bind to smpp-connector in 15 s"

if [ "$parts" -gt 1 ]; then
  # 153 characters a part, the last one short: bearerbox has to split it.
  python3 -c "import sys; t='Kannel long message interop: ' + ''.join(chr(65 + i % 26) for i in range(10000)); print(t[:153 * ($parts - 1) + 60])" \
    > "$work/content.txt"
else
  echo "Kannel interop test message" > "$work/content.txt"
fi
seq 447700900000 $((447700900000 + n - 1)) > "$work/receivers.txt"
(cd "$work" && exec mtbatch -v 4 -b 127.0.0.1 -p "$box_port" -f 12345 -D 3 -u http://127.0.0.1/dlr content.txt receivers.txt) \
  > "$work/mtbatch.out" 2>&1 &
mtbatch_pid=$!
pids+=($mtbatch_pid)

# Every message sent and its DLR matched by Kannel, within 30 s.
all_done() {
  grep -q PANIC "$work/mtbatch.out" && die "mtbatch panicked"
  [ "$(count 'Sent SMS' "$work/access.log")" -ge "$n" ] &&
    [ "$(count 'Receive DLR' "$work/access.log")" -ge "$n" ]
}
wait_for 30 all_done || echo "note: not all $n messages and DLRs through Kannel within 30 s"
# Anything late (a duplicate receipt, a second resp) shows up in this pause.
sleep 0.5

# mtbatch leaves once bearerbox acknowledged every message.
mtbatch_rc=0
wait_for 5 bash -c "! kill -0 $mtbatch_pid 2>/dev/null" || echo "note: mtbatch still running"
kill "$mtbatch_pid" 2>/dev/null || true
wait "$mtbatch_pid" || mtbatch_rc=$?

# Kannel unbinds first, so the connector's SIGTERM finds no session to
# chase. bearerbox may linger in its shutdown (seen: 10 s); cleanup ends it.
kill "$bearerbox_pid" 2>/dev/null || true
wait_for 10 grep -q "close .* system_id=kannel reason=unbind_by_peer" "$work/connector.out" ||
  echo "note: Kannel did not unbind within 10 s of SIGTERM"
kill -TERM "$connector_pid"
connector_rc=0
wait_for 10 bash -c "! kill -0 $connector_pid 2>/dev/null" || die "smpp-connector did not exit within 10 s of SIGTERM"
wait "$connector_pid" || connector_rc=$?

log=$work/access.log
sent=$(count ' Sent SMS \[SMSC:connector\]' "$log")
dlrs=$(count ' Receive DLR \[SMSC:connector\]' "$log")
# Kannel writes "REJECTED Send SMS" for a permanent error status, "FAILED" for a temporary one.
send_failed=$(grep -cE '(FAILED|REJECTED) Send SMS' "$log" || true)
# A delivered DLR: dlr type 1 (DLR_SUCCESS) last in flags, our receipt's text
# says DELIVRD.
delivered=$(grep ' Receive DLR \[SMSC:connector\]' "$log" | grep -c 'flags:[^]]*:1\] \[msg:[0-9]*:id:[^ ]* .*stat:DELIVRD' || true)
# Kannel files a DLR under the message_id of our submit_sm_resp (FID) and
# finds it again by the id in our deliver_sm: the same N distinct ids.
fids() { grep " $1 \\[SMSC:connector\\]" "$log" | grep -o '\[FID:[^]]*\]' | sort; }
sent_ids=$(fids 'Sent SMS')
dlr_ids=$(fids 'Receive DLR')
distinct_ids=$(printf '%s\n' "$sent_ids" | sort -u | grep -c FID || true)
dlr_receivers=$(grep ' Receive DLR \[SMSC:connector\]' "$log" | grep -o '\[to:[0-9]*\]' | sort -u | grep -c . || true)
# Every warning and error bearerbox wrote, but those about its box: mtbatch
# leaves once its messages are acknowledged, so the DLRs find no box
# ("smsbox_list empty!", "Connection to box ... broke"; or, when a DLR is on
# its way to mtbatch as it leaves, "Couldn't write Msg to box" after a
# broken pipe), and the shutdown. SMPP trouble is logged as such
# ("SMPP[connector]: ...") and still counts.
problems=$(grep -E '\] (WARNING|ERROR|PANIC):' "$work/bearerbox.log" 2>/dev/null |
  grep -vE 'smsbox_list empty!|Connection to box <127\.0\.0\.1> broke|Error reading from fd [0-9]+:|System error 104: Connection reset by peer|Killing signal or HTTP admin command received|Error writing [0-9]+ octets to fd [0-9]+:|System error 32: Broken pipe|Couldn.t write Msg to box <127\.0\.0\.1>, disconnecting' || true)

# Split messages: what the carriers got. Every part asks its carrier for a
# receipt (the connector does, whatever Kannel asked), so the connector
# matches one per part; upstream go those Kannel asked for, at least one
# per message (Kannel's own DLR count below is exact).
total=$((n * parts))
if [ "$parts" -gt 1 ]; then
  parts_out=$(python3 "$(dirname "${BASH_SOURCE[0]}")/concatenated_parts_check.py" "$control_port" "$work/content.txt" \
    "$n" "$parts" "${carrier_names[@]}") || failed=1
  echo "$parts_out" | grep -v '^receipts asked'
  asked=$(echo "$parts_out" | awk '/^receipts asked/ {print $3}')
  check "smpp-sim: every part asked for a receipt: $asked of $total" [ "${asked:-0}" -eq "$total" ]
fi
forwarded=$(grep -o 'upstream receipts: [0-9]* forwarded' "$work/connector.out" | awk '{print $3}' || true)

echo "kannel: $sent Sent SMS, $dlrs Receive DLR ($delivered delivered), $send_failed FAILED/REJECTED Send SMS, $distinct_ids message ids"
echo "connector: $(grep -o 'forward path: .*' "$work/connector.out" || echo 'no forward path line'); $(grep -o 'upstream receipts: .*' "$work/connector.out" || echo 'no upstream receipts line')"
check "mtbatch exited 0" [ "$mtbatch_rc" -eq 0 ]
check "Kannel: $n Sent SMS (submit_sm_resp ROK), none failed" [ "$sent" -eq "$n" -a "$send_failed" -eq 0 ]
check "Kannel: $n distinct message_ids from our submit_sm_resp" [ "$distinct_ids" -eq "$n" ]
check "Kannel: $n Receive DLR, each delivered" [ "$dlrs" -eq "$n" -a "$delivered" -eq "$n" ]
check "Kannel: DLRs found for exactly the ids it sent, to $n receivers" [ "$sent_ids" = "$dlr_ids" -a "$dlr_receivers" -eq "$n" ]
check "bearerbox log: no SMPP warning or error" [ -z "$problems" ]
check "smpp-connector exited 0 on SIGTERM" [ "$connector_rc" -eq 0 ]
check "connector: forward path: $total accepted, $total sent" grep -q "forward path: $total accepted, 0 refused, $total sent," "$work/connector.out"
check "connector: carrier receipts: $total matched" grep -q "carrier receipts: $total matched," "$work/connector.out"
check "connector: upstream receipts: ${forwarded:-none} forwarded, $n to $total" \
  [ "${forwarded:-0}" -ge "$n" -a "${forwarded:-0}" -le "$total" ]
if [ "$failed" -ne 0 ]; then
  [ -n "$problems" ] && { echo "== warnings and errors in bearerbox.log"; echo "$problems" | head -20; }
  show_logs
  exit 1
fi
echo "PASS"
