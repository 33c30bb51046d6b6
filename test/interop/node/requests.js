'use strict';
// Interop peer: npm smpp as an ESME against the real smpp-connector binary,
// for the requests about messages the connector still holds (test/interop/
// connector_requests.cpp starts the connector and smpp-sim carriers, and
// asserts every line this prints). On one bind_transceiver:
//   submit_multi to 3 destinations (2 routed, 1 not), registered_delivery 1;
//   submit_sm scheduled in an hour, then replace_sm with a new text and the
//     schedule "now" (the carrier must get only the new text);
//   submit_sm scheduled in 4 s, cancel_sm by id, cancel_sm again, query_sm,
//     replace_sm of the cancelled one;
//   submit_sm scheduled in 4 s, cancel_sm without id (source + destination),
//     query_sm;
//   submit_multi scheduled in 4 s to 2 destinations, cancel_sm with its id,
//     query_sm;
//   waits for the 3 delivery receipts (2 submit_multi destinations, the
//     replaced message), answers them, then replace_sm and query_sm of the
//     delivered one;
//   submit_sm of a 400-character message_payload to c2 (which takes no
//     message_payload), and its one receipt; unbind.
// It judges nothing itself; it prints what it saw:
//   STEP <step> <response command> status=0x<8 hex> [key=value ...]
//   DLR source=.. dest=.. receipted_message_id=.. text_id=.. stat=.. message_state=..
// and exits 0 once every step got some response.
// Usage: node requests.js PORT SYSTEM_ID PASSWORD
const smpp = require('smpp');

const [port, systemId, password] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
if (!port || !systemId || !password) {
  process.stderr.write('usage: requests.js PORT SYSTEM_ID PASSWORD\n');
  process.exit(2);
}

const HARD_TIMEOUT_MS = 25000;
const STEP_TIMEOUT_MS = 5000;
const RECEIPT_TIMEOUT_MS = 10000;
const RECEIPTS_EXPECTED = 3;
const IN_ONE_HOUR = '000000010000000R';
const IN_FOUR_SECONDS = '000000000004000R';
const NOW = '000000000000000R';
// 400 GSM characters: three SMS once split (153 + 153 + 94).
const LONG_TEXT = ('node long message, ' + 'abcdefghijklmnopqrstuvwxyz0123456789 '.repeat(12)).slice(0, 400);
let incomplete = false;

setTimeout(() => {
  process.stdout.write(`STEP hard_timeout none status=none ${HARD_TIMEOUT_MS}ms\n`);
  process.exit(1);
}, HARD_TIMEOUT_MS).unref();

const hex8 = (n) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const text = (s) => Buffer.from(s, 'latin1');
const cstr = (v) => (v === undefined || v === null ? '<absent>' : String(v).replace(/\0.*$/s, '') || '<empty>');

function step(name, resp, fields) {
  if (!resp) {
    incomplete = true;
    process.stdout.write(`STEP ${name} none status=none\n`);
    return null;
  }
  const extra = (fields ? fields(resp) : []).map(([k, v]) => ` ${k}=${v}`).join('');
  process.stdout.write(`STEP ${name} ${resp.command} status=${hex8(resp.command_status)}${extra}\n`);
  return resp;
}

const receipts = [];
let onReceipt = () => {};

function connect() {
  return new Promise((resolve) => {
    const session = smpp.connect({ host: '127.0.0.1', port });
    session.on('connect', () => resolve(session));
    session.on('error', (e) => {
      process.stderr.write(`requests.js: socket error ${e.message}\n`);
      resolve(null);
    });
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
    session.on('deliver_sm', (pdu) => {
      session.send(pdu.response());
      const body = Buffer.isBuffer(pdu.short_message) ? pdu.short_message.toString('latin1')
        : String((pdu.short_message && pdu.short_message.message) || '');
      const idMatch = /(?:^|\s)id:(\S+)/.exec(body);
      const statMatch = /(?:^|\s)stat:(\S+)/.exec(body);
      receipts.push(pdu);
      process.stdout.write(`DLR source=${cstr(pdu.source_addr)} dest=${cstr(pdu.destination_addr)} ` +
                           `esm_class=${pdu.esm_class} receipted_message_id=${cstr(pdu.receipted_message_id)} ` +
                           `text_id=${idMatch ? idMatch[1] : '<absent>'} stat=${statMatch ? statMatch[1] : '<absent>'} ` +
                           `message_state=${cstr(pdu.message_state)}\n`);
      onReceipt();
    });
  });
}

function request(session, method, options) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), STEP_TIMEOUT_MS);
    const sent = session[method](options, (resp) => { clearTimeout(timer); resolve(resp); });
    if (sent === false) { clearTimeout(timer); resolve(null); }
  });
}

function waitReceipts(n, ms) {
  return new Promise((resolve) => {
    if (receipts.length >= n) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    onReceipt = () => { if (receipts.length >= n) { clearTimeout(timer); resolve(true); } };
  });
}

const idField = (r) => [['message_id', cstr(r.message_id)]];
const unsuccessField = (r) => [['message_id', cstr(r.message_id)],
  ['unsuccess', (r.unsuccess_sme || []).map((u) =>
    `${u.dest_addr_ton}:${u.dest_addr_npi}:${u.destination_addr}:${hex8(u.error_status_code)}`).join(',') || '<none>']];
const queryFields = (r) => [['message_id', cstr(r.message_id)], ['message_state', r.message_state],
  ['error_code', r.error_code]];

function submit(session, source, dest, message, schedule) {
  return request(session, 'submit_sm', {
    source_addr_ton: 1, source_addr_npi: 1, source_addr: source,
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: dest,
    registered_delivery: 1, data_coding: 0, schedule_delivery_time: schedule, short_message: text(message),
  });
}

function multi(session, source, dests, message, schedule) {
  return request(session, 'submit_multi', {
    source_addr_ton: 1, source_addr_npi: 1, source_addr: source,
    dest_address: dests.map((d) => ({ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    registered_delivery: 1, data_coding: 0, schedule_delivery_time: schedule, short_message: text(message),
  });
}

function cancel(session, messageId, source, dest) {
  return request(session, 'cancel_sm', {
    service_type: '', message_id: messageId, source_addr_ton: 1, source_addr_npi: 1, source_addr: source,
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: dest,
  });
}

function replace(session, messageId, source, message, schedule) {
  return request(session, 'replace_sm', {
    message_id: messageId, source_addr_ton: 1, source_addr_npi: 1, source_addr: source,
    schedule_delivery_time: schedule, registered_delivery: 1, short_message: text(message),
  });
}

function query(session, messageId, source) {
  return request(session, 'query_sm', { message_id: messageId, source_addr_ton: 1, source_addr_npi: 1,
                                        source_addr: source });
}

async function main() {
  const s = await connect();
  if (!s) {
    step('bind_transceiver', null);
    process.exit(1);
  }
  let done = false;
  s.on('close', () => { if (!done) { process.stdout.write('STEP closed none status=none\n'); process.exit(1); } });
  step('bind_transceiver', await request(s, 'bind_transceiver', { system_id: systemId, password }));

  step('submit_multi', await multi(s, '447900900001', ['447700900001', '447800900002', '33612345678'],
                                   'node multi to three', ''), unsuccessField);

  const r = step('submit_scheduled', await submit(s, '447900900002', '447700900003', 'node old text', IN_ONE_HOUR),
                 idField);
  const replacedId = r ? cstr(r.message_id) : '';
  step('replace_now', await replace(s, replacedId, '447900900002', 'node new text', NOW));

  const c = step('submit_to_cancel', await submit(s, '447900900003', '447800900004', 'node cancelled by id',
                                                  IN_FOUR_SECONDS), idField);
  const cancelledId = c ? cstr(c.message_id) : '';
  step('cancel_by_id', await cancel(s, cancelledId, '447900900003', '447800900004'));
  step('cancel_again', await cancel(s, cancelledId, '447900900003', '447800900004'));
  step('query_cancelled', await query(s, cancelledId, '447900900003'), queryFields);
  step('replace_cancelled', await replace(s, cancelledId, '447900900003', 'node too late', ''));

  step('submit_to_cancel_by_address', await submit(s, '447900900004', '447700900005', 'node cancelled by address',
                                                   IN_FOUR_SECONDS), idField);
  step('cancel_by_address', await cancel(s, '', '447900900004', '447700900005'));
  step('cancel_by_address_again', await cancel(s, '', '447900900004', '447700900005'));

  const m = step('submit_multi_scheduled', await multi(s, '447900900005', ['447700900006', '447800900007'],
                                                       'node multi cancelled', IN_FOUR_SECONDS), unsuccessField);
  const multiId = m ? cstr(m.message_id) : '';
  step('cancel_multi', await cancel(s, multiId, '447900900005', ''));
  step('query_multi', await query(s, multiId, '447900900005'), queryFields);

  const all = await waitReceipts(RECEIPTS_EXPECTED, RECEIPT_TIMEOUT_MS);
  process.stdout.write(`STEP receipts ${all ? 'all' : 'missing'} status=none count=${receipts.length}\n`);
  if (!all) incomplete = true;

  step('replace_delivered', await replace(s, replacedId, '447900900002', 'node after delivery', ''));
  step('query_delivered', await query(s, replacedId, '447900900002'), queryFields);

  // A long text in message_payload to c2, which takes none: the connector
  // splits it into parts; this ESME knows one id and gets one receipt.
  const l = step('submit_long', await request(s, 'submit_sm', {
    source_addr_ton: 1, source_addr_npi: 1, source_addr: '447900900006',
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447800900008',
    registered_delivery: 1, data_coding: 0, message_payload: text(LONG_TEXT),
  }), idField);
  const longDone = await waitReceipts(RECEIPTS_EXPECTED + 1, RECEIPT_TIMEOUT_MS);
  process.stdout.write(`STEP long_receipt ${longDone ? 'all' : 'missing'} status=none count=${receipts.length}\n`);
  if (!l || !longDone) incomplete = true;

  done = true;
  step('unbind', await request(s, 'unbind', {}));
  s.destroy();
  process.exit(incomplete ? 1 : 0);
}

main().catch((e) => {
  process.stdout.write(`STEP exception none status=none ${e && e.stack && e.stack.replace(/\s+/g, ' ')}\n`);
  process.exit(1);
});
