'use strict';
// Interop peer: npm smpp as an ESME against the real smpp-connector binary
// (configured with the example accounts). On one connection: bind_transceiver
// as acme/acmepass, enquire_link, submit_sm (which must be refused with
// ESME_RSUBMITFAIL while the forward path is not built), unbind. Then one
// connection each for a wrong password and an unknown system_id.
//
// Prints one line per step,
//   RESULT <step> <response command> status=0x<8 hex> ok|fail [<why>]
// and exits 0 only if every step got the response it expected.
// Usage: node bind_check.js PORT
const smpp = require('smpp');

const port = Number(process.argv[2]);
if (!port) {
  process.stderr.write('usage: bind_check.js PORT\n');
  process.exit(2);
}

const HARD_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 5000;
let failed = false;

setTimeout(() => {
  process.stdout.write(`RESULT hard_timeout none status=none fail ${HARD_TIMEOUT_MS} ms\n`);
  process.exit(1);
}, HARD_TIMEOUT_MS).unref();

const hex8 = (n) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

function report(step, resp, wantCommand, wantStatus) {
  if (!resp) {
    failed = true;
    process.stdout.write(`RESULT ${step} none status=none fail no response (closed or timed out)\n`);
    return;
  }
  const why = [];
  if (resp.command !== wantCommand) why.push(`want ${wantCommand}`);
  if (resp.command_status !== wantStatus) why.push(`want status=${hex8(wantStatus)}`);
  if (why.length) failed = true;
  process.stdout.write(`RESULT ${step} ${resp.command} status=${hex8(resp.command_status)} ` +
                       (why.length ? `fail ${why.join(', ')}` : 'ok') + '\n');
}

// A session once connected, or null if the connection failed.
function connect() {
  return new Promise((resolve) => {
    const session = smpp.connect({ host: '127.0.0.1', port });
    session.on('connect', () => resolve(session));
    session.on('error', (e) => {
      process.stderr.write(`bind_check.js: socket error ${e.message}\n`);
      resolve(null);
    });
    // The server may enquire while we wait for a response.
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
  });
}

// The response to a request, or null when the connection closes or the step times out.
function request(session, method, options) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), STEP_TIMEOUT_MS);
    session.once('close', () => { clearTimeout(timer); resolve(null); });
    const sent = session[method](options, (resp) => { clearTimeout(timer); resolve(resp); });
    if (sent === false) { clearTimeout(timer); resolve(null); }
  });
}

async function main() {
  const session = await connect();
  if (!session) {
    report('bind_transceiver', null);
  } else {
    // interface_version is left at the library's default (0x50): real
    // node-smpp clients bind that way.
    report('bind_transceiver', await request(session, 'bind_transceiver',
                                             { system_id: 'acme', password: 'acmepass' }),
           'bind_transceiver_resp', 0x00);
    report('enquire_link', await request(session, 'enquire_link', {}), 'enquire_link_resp', 0x00);
    report('submit_sm', await request(session, 'submit_sm', {
      source_addr_ton: 5, source_addr_npi: 0, source_addr: 'InteropA',
      dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900001',
      registered_delivery: 1, short_message: 'Hello from peer',
    }), 'submit_sm_resp', 0x45);
    report('unbind', await request(session, 'unbind', {}), 'unbind_resp', 0x00);
    session.destroy();
  }

  for (const [step, systemId, password, want] of [['bind_wrong_password', 'acme', 'wrongpw', 0x0E],
                                                   ['bind_unknown_system_id', 'nosuchid', 'acmepass', 0x0F]]) {
    const conn = await connect();
    report(step, conn && await request(conn, 'bind_transceiver', { system_id: systemId, password }),
           'bind_transceiver_resp', want);
    if (conn) conn.destroy();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  process.stdout.write(`RESULT exception none status=none fail ${e && e.stack}\n`);
  process.exit(1);
});
