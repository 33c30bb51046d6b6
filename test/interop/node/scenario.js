'use strict';
// The scenario every interop peer plays, for the npm `smpp` scripts. The
// same values live in ../perl/InteropScenario.pm and ../scenario.cpp; the
// cross runs (Perl <-> node) check that the copies agree.
//
// Every PDU a peer receives is printed on stdout as one line
//   RECV <command> seq=<n> status=<n> key=value ...
// (values never contain spaces; message bytes are hex), and the last line is
//   RESULT ok   |   RESULT fail <what>
const smpp = require('smpp');

// Message bytes go on the wire exactly as given and come back as raw
// Buffers: without its text encodings the library neither transcodes
// outgoing strings nor decodes incoming short_message/message_payload.
delete smpp.encodings.ASCII;
delete smpp.encodings.LATIN1;
delete smpp.encodings.UCS2;

const SYSTEM_ID = 'interop';
const PASSWORD = 'secret1';
const HARD_TIMEOUT_MS = 20000;

function ucs2be(codeUnits) {
  const b = Buffer.alloc(codeUnits.length * 2);
  codeUnits.forEach((u, i) => b.writeUInt16BE(u, i * 2));
  return b;
}

// The three submit_sm: GSM text, UCS-2 (data_coding 8), and TLVs only.
const submits = [
  { source_addr_ton: 5, source_addr_npi: 0, source_addr: 'InteropA',
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900001',
    esm_class: 0, protocol_id: 0, priority_flag: 0, registered_delivery: 1,
    data_coding: 0, short_message: Buffer.from('Hello from peer', 'ascii'), tlvs: {} },
  { source_addr_ton: 1, source_addr_npi: 1, source_addr: '447700900002',
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900003',
    esm_class: 0, protocol_id: 0, priority_flag: 0, registered_delivery: 0,
    data_coding: 8,
    // "Привет €" in UCS-2 big-endian
    short_message: ucs2be([0x041F, 0x0440, 0x0438, 0x0432, 0x0435, 0x0442, 0x0020, 0x20AC]), tlvs: {} },
  { source_addr_ton: 5, source_addr_npi: 0, source_addr: 'InteropA',
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900004',
    esm_class: 0, protocol_id: 0, priority_flag: 0, registered_delivery: 0,
    data_coding: 0, short_message: Buffer.alloc(0),
    tlvs: { user_message_reference: 0x1234, message_payload: Buffer.from('Payload via TLV', 'ascii') } },
];

// The delivery receipt for the first submit_sm, under the id its
// submit_sm_resp carried.
function receiptFor(id) {
  return {
    source_addr_ton: 1, source_addr_npi: 1, source_addr: '447700900001',
    dest_addr_ton: 5, dest_addr_npi: 0, destination_addr: 'InteropA',
    esm_class: 0x04, protocol_id: 0, priority_flag: 0, registered_delivery: 0,
    data_coding: 0,
    short_message: Buffer.from(`id:${id} sub:001 dlvrd:001 submit date:2611231200 done date:2611231201 ` +
                               'stat:DELIVRD err:000 text:hello', 'ascii'),
    // the library writes a cstring TLV with its NUL
    tlvs: { receipted_message_id: id, message_state: 2 },
  };
}

// PDU options for the library: the fixed fields plus the TLVs by name.
function pduOptions(sm) {
  const o = Object.assign({}, sm, sm.tlvs);
  delete o.tlvs;
  return o;
}

// A message field as raw bytes, whatever shape the library decoded it into.
function bytesOf(v) {
  if (v === undefined || v === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (v.message !== undefined) {
    const m = Buffer.isBuffer(v.message) ? v.message : Buffer.from(v.message, 'binary');
    return v.udh && v.udh.length ? Buffer.concat([...v.udh, m]) : m;
  }
  return Buffer.from(String(v), 'binary');
}

function formatPdu(pdu) {
  let line = `RECV ${pdu.command} seq=${pdu.sequence_number} status=${pdu.command_status}`;
  const c = pdu.command;
  if (/^bind_(transceiver|transmitter|receiver)$/.test(c)) {
    line += ` system_id=${pdu.system_id} password=${pdu.password} system_type=${pdu.system_type}` +
            ` interface_version=${pdu.interface_version} addr_ton=${pdu.addr_ton} addr_npi=${pdu.addr_npi}` +
            ` address_range=${pdu.address_range}`;
  } else if (/^bind_\w+_resp$/.test(c)) {
    line += ` system_id=${pdu.system_id || ''}`;
  } else if (c === 'submit_sm' || c === 'deliver_sm') {
    line += ` src=${pdu.source_addr_ton}/${pdu.source_addr_npi}/${pdu.source_addr}` +
            ` dst=${pdu.dest_addr_ton}/${pdu.dest_addr_npi}/${pdu.destination_addr}` +
            ` esm=${pdu.esm_class} pid=${pdu.protocol_id} prio=${pdu.priority_flag}` +
            ` rd=${pdu.registered_delivery} dc=${pdu.data_coding}` +
            ` sm=${bytesOf(pdu.short_message).toString('hex')}`;
    if (pdu.user_message_reference !== undefined) line += ` umr=${pdu.user_message_reference}`;
    if (pdu.message_payload !== undefined) line += ` payload=${bytesOf(pdu.message_payload).toString('hex')}`;
    if (pdu.receipted_message_id !== undefined) line += ` receipted_message_id=${pdu.receipted_message_id}`;
    if (pdu.message_state !== undefined) line += ` message_state=${pdu.message_state}`;
  } else if (c === 'submit_sm_resp' || c === 'deliver_sm_resp') {
    line += ` message_id=${pdu.message_id || ''}`;
  }
  return line;
}

// Mismatches between a received submit_sm/deliver_sm and what was sent.
function compareSm(pdu, want) {
  const bad = [];
  for (const f of ['source_addr_ton', 'source_addr_npi', 'source_addr', 'dest_addr_ton', 'dest_addr_npi',
                   'destination_addr', 'esm_class', 'protocol_id', 'priority_flag', 'registered_delivery',
                   'data_coding']) {
    if (pdu[f] !== want[f]) bad.push(`${f} got '${pdu[f]}' want '${want[f]}'`);
  }
  const sm = bytesOf(pdu.short_message);
  if (!sm.equals(want.short_message)) {
    bad.push(`short_message got ${sm.toString('hex')} want ${want.short_message.toString('hex')}`);
  }
  for (const [t, v] of Object.entries(want.tlvs)) {
    const got = t === 'message_payload' ? bytesOf(pdu[t]) : pdu[t];
    const ok = Buffer.isBuffer(v) ? got.equals(v) : got === v;
    if (!ok) bad.push(`tlv ${t} got '${Buffer.isBuffer(got) ? got.toString('hex') : got}'`);
  }
  return bad;
}

const checkSubmit = (pdu, k) => compareSm(pdu, submits[k]);
const checkReceipt = (pdu, id) => compareSm(pdu, receiptFor(id));

function say(line) {
  process.stdout.write(line + '\n');
}

// Prints the RESULT line and exits 0 only when nothing went wrong.
function result(failures) {
  say(failures.length ? `RESULT fail ${failures.join('; ')}` : 'RESULT ok');
  process.exit(failures.length ? 1 : 0);
}

// No peer may run longer than the hard timeout, whatever the other side does.
function armHardTimeout(failures) {
  setTimeout(() => result(failures.concat([`hard timeout ${HARD_TIMEOUT_MS} ms`])), HARD_TIMEOUT_MS).unref();
}

module.exports = {
  smpp, SYSTEM_ID, PASSWORD, submits, receiptFor, pduOptions, formatPdu, checkSubmit, checkReceipt,
  say, result, armHardTimeout,
};
