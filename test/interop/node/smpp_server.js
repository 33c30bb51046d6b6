'use strict';
// Interop peer: npm smpp as the SMSC (scenario B). Listens on 127.0.0.1,
// prints "PORT <n>", accepts one connection, checks the bind_transceiver
// credentials, answers the three scenario submit_sm (each checked) with
// message ids PREFIX1..PREFIX3 (default N1..N3), then sends the delivery
// receipt for PREFIX1, and expects deliver_sm_resp and then unbind. An
// enquire_link right after the bind checks that the ESME answers it.
// Usage: node smpp_server.js [PREFIX]
const s = require('./scenario');

const prefix = process.argv[2] || 'N';
const failures = [];
s.armHardTimeout(failures);

let bound = false;
let submitsSeen = 0;
let receiptAcked = false;
let unbound = false;
let enquireAnswered = false;

const server = s.smpp.createServer((session) => {
  server.close();  // one connection only
  session.on('error', (e) => { failures.push(`socket error ${e.message}`); });
  session.on('close', () => {
    if (!bound) failures.push('not bound');
    if (submitsSeen !== 3) failures.push(`saw ${submitsSeen} submit_sm, want 3`);
    if (!enquireAnswered) failures.push('no enquire_link_resp received');
    if (!receiptAcked) failures.push('no deliver_sm_resp received');
    if (!unbound) failures.push('no unbind received');
    s.result(failures);
  });
  session.on('pdu', (pdu) => s.say(s.formatPdu(pdu)));

  session.on('bind_transceiver', (pdu) => {
    const ok = pdu.system_id === s.SYSTEM_ID && pdu.password === s.PASSWORD;
    if (!ok) failures.push(`bind_transceiver with '${pdu.system_id}'/'${pdu.password}'`);
    session.send(pdu.response({ system_id: 'NodeSMSC', command_status: ok ? 0 : s.smpp.ESME_RBINDFAIL }));
    bound = ok;
    if (!ok) return;
    session.enquire_link((r) => {
      if (r.command_status !== 0) failures.push(`enquire_link_resp status ${r.command_status}`);
      enquireAnswered = true;
    });
  });
  session.on('submit_sm', (pdu) => {
    const k = submitsSeen++;
    if (k > 2) {
      failures.push('more than three submit_sm');
      session.send(pdu.response({ command_status: s.smpp.ESME_RSUBMITFAIL }));
      return;
    }
    for (const f of s.checkSubmit(pdu, k)) failures.push(`submit_sm ${k + 1}: ${f}`);
    session.send(pdu.response({ message_id: prefix + (k + 1) }));
    if (submitsSeen === 3) {
      session.deliver_sm(s.pduOptions(s.receiptFor(`${prefix}1`)), (resp) => {
        if (resp.command_status !== 0) failures.push(`deliver_sm_resp status ${resp.command_status}`);
        receiptAcked = true;
      });
    }
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    unbound = true;
    session.send(pdu.response());
    session.close();
  });
});

server.listen(0, '127.0.0.1', () => s.say(`PORT ${server.address().port}`));
