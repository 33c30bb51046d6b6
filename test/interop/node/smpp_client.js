'use strict';
// Interop peer: npm smpp as the ESME (scenario A). Binds as transceiver to
// 127.0.0.1:PORT, pipelines the three scenario submit_sm, expects their
// submit_sm_resp to carry PREFIX1..PREFIX3 (default A1..A3), then waits for
// the delivery receipt for PREFIX1, answers it, and unbinds. An enquire_link
// right after the bind checks that the SMSC answers it.
// Usage: node smpp_client.js PORT [PREFIX]
const s = require('./scenario');

const port = Number(process.argv[2]);
const prefix = process.argv[3] || 'A';
if (!port) {
  process.stderr.write('usage: smpp_client.js PORT [PREFIX]\n');
  process.exit(2);
}

const failures = [];
s.armHardTimeout(failures);

const ids = {};
let receiptSeen = false;
let enquireAnswered = false;
let unbindSent = false;
let unbound = false;

const session = s.smpp.connect({ host: '127.0.0.1', port });
session.on('error', (e) => { failures.push(`socket error ${e.message}`); });
session.on('close', () => {
  for (let k = 0; k < s.submits.length; k++) {
    const want = prefix + (k + 1);
    if (ids[k] !== want) failures.push(`message_id of submit_sm ${k + 1} is '${ids[k]}', want '${want}'`);
  }
  if (!enquireAnswered) failures.push('no enquire_link_resp received');
  if (!receiptSeen) failures.push('no deliver_sm received');
  if (!unbound) failures.push('no unbind_resp received');
  s.result(failures);
});
session.on('pdu', (pdu) => s.say(s.formatPdu(pdu)));

function maybeUnbind() {
  if (unbindSent || !receiptSeen || Object.keys(ids).length !== s.submits.length) return;
  unbindSent = true;
  session.unbind((resp) => {
    if (resp.command_status !== 0) failures.push(`unbind_resp status ${resp.command_status}`);
    unbound = true;
    session.close();
  });
}

session.on('deliver_sm', (pdu) => {
  for (const f of s.checkReceipt(pdu, `${prefix}1`)) failures.push(`deliver_sm: ${f}`);
  session.send(pdu.response({ message_id: '' }));
  receiptSeen = true;
  maybeUnbind();
});
session.on('enquire_link', (pdu) => session.send(pdu.response()));
session.on('unbind', (pdu) => {
  failures.push('peer unbound first');
  session.send(pdu.response());
  session.close();
});

session.on('connect', () => {
  // interface_version is left at the library's default (0x50): real
  // node-smpp clients bind that way.
  session.bind_transceiver({ system_id: s.SYSTEM_ID, password: s.PASSWORD }, (resp) => {
    if (resp.command_status !== 0) {
      failures.push(`bind_transceiver_resp status ${resp.command_status}`);
      session.close();
      return;
    }
    session.enquire_link((r) => {
      if (r.command_status !== 0) failures.push(`enquire_link_resp status ${r.command_status}`);
      enquireAnswered = true;
    });
    s.submits.forEach((sm, k) => {
      session.submit_sm(s.pduOptions(sm), (r) => {
        if (r.command_status !== 0) failures.push(`submit_sm_resp ${k + 1} status ${r.command_status}`);
        ids[k] = r.message_id;
        maybeUnbind();
      });
    });
  });
});
