// The forward path's requests about messages it holds, and submit_multi:
// cancel_sm, replace_sm (forward_path.hpp documents their statuses).
#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/smpp_time.hpp"
#include "smpp/relay/forward_flight.hpp"
#include "smpp/upstream/upstream_bind_label.hpp"

namespace smpp::relay {

using protocol::command_id;
using protocol::command_status;
using store::MessageStatus;
using store::StatusCode;
using namespace forward;

namespace {

// The precise refusal for an id that is not (or no longer) held.
command_status not_held(const store::Ledger& ledger, std::string_view account, store::MessageId id,
                        command_status too_late) {
    auto record = ledger.find(id);
    if (!record.ok()) return record.status().code() == StatusCode::not_found ? command_status::ESME_RINVMSGID : too_late;
    if (record->account != account) return command_status::ESME_RINVMSGID;
    return too_late;
}

}  // namespace

void ForwardPath::cancel_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
    const auto seq = request.sequence_number;
    auto reply = [&s, seq](command_status st) {
        s->respond(protocol::make_response(command_id::cancel_sm, seq, st));
    };
    const auto* c = request.as<protocol::CancelSm>();
    if (!c) return reply(command_status::ESME_RSYSERR);
    std::vector<store::MessageId> targets;
    if (c->message_id.empty()) {
        // SMPP 3.4 4.9.1: by addresses (and service_type when given).
        if (c->source.addr.empty()) return reply(command_status::ESME_RINVSRCADR);
        if (c->dest.addr.empty()) return reply(command_status::ESME_RINVDSTADR);
        // Held messages keep the destination as routed (E.164 digits).
        auto dest = upstream::validate_destination(c->dest, policy_of(account), numbers_);
        if (auto* bad = std::get_if<command_status>(&dest)) return reply(*bad);
        targets = held_.matching(account, c->service_type, c->source.addr,
                                 std::get<upstream::NormalisedAddress>(dest).address);
        if (targets.empty()) return reply(command_status::ESME_RCANCELFAIL);  // nothing of theirs still with us
    } else {
        const auto id = store::MessageId::parse(c->message_id);
        if (!id) return reply(command_status::ESME_RINVMSGID);
        targets = held_.named(account, *id, c->source.addr);
        if (targets.empty()) return reply(not_held(ledger_, account, *id, command_status::ESME_RCANCELFAIL));
    }
    // A message we split: every part or none, or the handset would get the
    // parts that had gone already and never the rest.
    std::size_t left_alone = 0;
    auto units = cancel_units(targets, left_alone);
    if (units.empty()) return reply(command_status::ESME_RCANCELFAIL);
    cancel_all(std::move(s), seq, std::move(account), std::move(units), left_alone);
}

void ForwardPath::cancel_all(std::shared_ptr<session::Session> s, std::uint32_t seq, std::string account,
                             std::vector<std::vector<store::MessageId>> units, std::size_t left_alone) {
    struct Tally {
        std::mutex mutex;
        std::size_t left = 0, cancelled = 0, failed = 0;
        bool busy = false;
    };
    auto tally = std::make_shared<Tally>();
    tally->left = units.size();
    tally->failed = left_alone;
    const auto at = now_ms();
    for (auto& unit : units) {
        // Only from accepted/queued, checked again in the ledger's ordered
        // writes: a `sending` written meanwhile wins and this one fails.
        std::vector<std::pair<store::MessageId, store::StateChange>> changes;
        for (const auto id : unit)
            changes.emplace_back(id, store::StateChange{.status = MessageStatus::cancelled,
                                                        .at = at,
                                                        .cost_micros = 0,  // no carrier has it
                                                        .only_from = {MessageStatus::accepted, MessageStatus::queued}});
        auto done = [self = shared_from_this(), s, seq, unit, account, tally](store::Status st) {
            if (st.ok()) {
                self->counters_.cancelled.fetch_add(unit.size(), std::memory_order_relaxed);
                if (unit.size() == 1) spdlog::info("message {} cancelled by cancel_sm", unit.front().to_string());
                else spdlog::info("message {} ({} parts) cancelled by cancel_sm", unit.front().to_string(), unit.size());
                // Its flight may sleep until a schedule: end the sleep so it
                // sees the record final and lets go of it now.
                for (const auto id : unit) self->held_.wake(account, id);
                // A cancelled part can complete its multipart aggregate,
                // parked in this very write: it goes out now, not at the
                // account's next receipt or bind.
                if (self->settings_.receipt_owed) self->settings_.receipt_owed(account);
            }
            std::lock_guard lock(tally->mutex);
            if (st.ok()) ++tally->cancelled;
            else if (st.code() == StatusCode::busy) tally->busy = true;
            else ++tally->failed;
            if (--tally->left != 0) return;
            command_status answer = command_status::ESME_ROK;
            if (tally->busy && tally->cancelled == 0) answer = command_status::ESME_RMSGQFUL;
            else if (tally->failed != 0 || tally->cancelled == 0 || tally->busy) answer = command_status::ESME_RCANCELFAIL;
            auto& ex = s->get_executor();
            boost::asio::post(ex, [s, seq, answer] {
                s->respond(protocol::make_response(command_id::cancel_sm, seq, answer));
            });
        };
        if (changes.size() == 1) ledger_.update(changes.front().first, std::move(changes.front().second), std::move(done));
        else ledger_.update_all(std::move(changes), std::move(done));
    }
}

void ForwardPath::replace_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
    const auto seq = request.sequence_number;
    auto reply = [&s, seq](command_status st) {
        s->respond(protocol::make_response(command_id::replace_sm, seq, st));
    };
    const auto* r = request.as<protocol::ReplaceSm>();
    if (!r) return reply(command_status::ESME_RSYSERR);
    const auto id = store::MessageId::parse(r->message_id);
    if (!id) return reply(command_status::ESME_RINVMSGID);
    if (r->sm_default_msg_id != 0) return reply(command_status::ESME_RINVDFTMSGID);
    auto targets = held_.named(account, *id, r->source.addr);
    if (targets.size() != 1) {
        if (targets.empty()) return reply(not_held(ledger_, account, *id, command_status::ESME_RREPLACEFAIL));
        // A submit_multi's id: its destinations may have different
        // alphabets; replace them one by one is not what was asked.
        return reply(command_status::ESME_RREPLACEFAIL);
    }
    auto record = ledger_.find(targets.front());
    if (!record.ok()) return reply(command_status::ESME_RREPLACEFAIL);
    // A submit_multi's id with one destination still held (the others gone
    // to carriers or cancelled): replacing that one alone is not what was
    // asked either, and the answer must not depend on which one is left.
    if (record->upstream_id.valid()) return reply(command_status::ESME_RREPLACEFAIL);
    // A part of a message we split: a new text would need new parts.
    if (record->split_by_us) return reply(command_status::ESME_RREPLACEFAIL);
    // The new text and times are checked as a submit_sm with them would be
    // (the account's schedule limits, the receipt flags, a UDH and its fit,
    // the segments), over what they leave of the message: a new validity
    // against the schedule the message keeps, a new schedule against the
    // validity it keeps.
    const auto now = now_ms();
    protocol::SubmitSm probe;
    probe.source = {record->source.ton, record->source.npi, record->source.address};
    probe.dest = {record->destination.ton, record->destination.npi, record->destination.address};
    probe.esm_class = record->esm_class;
    probe.data_coding = record->data_coding;
    probe.registered_delivery = r->registered_delivery;
    probe.short_message = r->short_message;
    for (const auto& t : record->tlvs) probe.tlvs.append(t.tag, t.value);
    const bool schedule_given = !r->schedule_delivery_time.empty();
    const bool validity_given = !r->validity_period.empty();
    probe.schedule_delivery_time = r->schedule_delivery_time;
    if (!schedule_given && record->retry_at > now)
        probe.schedule_delivery_time = protocol::format_smpp_time(record->retry_at).value_or(std::string{});
    probe.validity_period = r->validity_period;
    if (!validity_given && record->expires_at != store::Timestamp{})
        probe.validity_period = protocol::format_smpp_time(record->expires_at).value_or(std::string{});
    auto checked = upstream::validate_submit(probe, policy_of(account), now, numbers_);
    if (auto* bad = std::get_if<command_status>(&checked)) return reply(*bad);
    const auto& valid = std::get<upstream::ValidSubmit>(checked);
    auto ms = [](std::optional<std::chrono::system_clock::time_point> t) {
        return t ? std::chrono::time_point_cast<std::chrono::milliseconds>(*t) : store::Timestamp{};
    };
    store::Replacement replacement{.payload = r->short_message,
                                   .segment_count = static_cast<std::uint8_t>(valid.segments),
                                   .registered_delivery = r->registered_delivery};
    // A schedule already past (within the account's tolerance) means now:
    // the hold ends.
    if (schedule_given) replacement.deliver_at = ms(valid.deliver_at);
    if (validity_given) replacement.expires_at = ms(valid.expires_at);
    store::StateChange change{.status = MessageStatus::queued,
                              .at = now,
                              .only_from = {MessageStatus::accepted, MessageStatus::queued},
                              .replacement = std::move(replacement)};
    ledger_.update(*id, std::move(change), [self = shared_from_this(), s, seq, id = *id, account](store::Status st) {
        command_status answer = command_status::ESME_ROK;
        if (st.code() == StatusCode::busy) answer = command_status::ESME_RMSGQFUL;
        else if (!st.ok()) answer = command_status::ESME_RREPLACEFAIL;
        if (answer == command_status::ESME_ROK) {
            self->counters_.replaced.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("message {} replaced by replace_sm", id.to_string());
            self->held_.wake(account, id);  // a moved schedule takes effect now
        }
        auto& ex = s->get_executor();
        boost::asio::post(ex, [s, seq, answer] {
            s->respond(protocol::make_response(command_id::replace_sm, seq, answer));
        });
    });
}

namespace {

// The status of a submit_multi_resp when no destination was taken: it
// carries no unsuccess_smes, so the ESME applies it to every destination.
// One it may retry (throttled, queue full, a system error) wins over a
// permanent one, or destinations refused only for now would be dropped.
command_status multi_refusal(const std::vector<protocol::UnsuccessSme>& unsuccess) {
    if (unsuccess.empty()) return command_status::ESME_RSUBMITFAIL;
    for (const auto& u : unsuccess) {
        const auto st = static_cast<command_status>(u.error_status_code);
        if (st == command_status::ESME_RTHROTTLED || st == command_status::ESME_RMSGQFUL ||
            st == command_status::ESME_RSYSERR)
            return st;
    }
    return static_cast<command_status>(unsuccess.front().error_status_code);
}

}  // namespace

void ForwardPath::submit_multi(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request,
                               std::size_t admitted) {
    const auto seq = request.sequence_number;
    auto* m = request.as<protocol::SubmitMulti>();
    if (!m) return s->respond(protocol::make_response(command_id::submit_multi, seq, command_status::ESME_RSYSERR));
    if (m->dests.empty() || m->dests.size() > 254) {
        counters_.refused.fetch_add(1, std::memory_order_relaxed);
        return s->respond(protocol::make_response(command_id::submit_multi, seq, command_status::ESME_RINVNUMDESTS));
    }

    std::vector<protocol::UnsuccessSme> unsuccess;
    // One unit per destination: its record, or the parts of a long
    // message_payload split for carriers that take none.
    std::vector<std::vector<Prepared>> accepted;
    std::size_t smes = 0;
    for (auto& dest : m->dests) {
        if (dest.dest_flag != protocol::MultiDest::sme_address) {
            unsuccess.push_back({protocol::Address{0, 0, dest.dl_name}, static_cast<std::uint32_t>(
                                     dest.dest_flag == protocol::MultiDest::distribution_list
                                         ? command_status::ESME_RINVDLNAME
                                         : command_status::ESME_RINVDESTFLAG)});
            continue;
        }
        if (smes++ >= admitted) {
            // Over the account's TPS: not looked at, the ESME sends it again.
            unsuccess.push_back({dest.address, static_cast<std::uint32_t>(command_status::ESME_RTHROTTLED)});
            continue;
        }
        protocol::SubmitSm sm;
        sm.service_type = m->service_type;
        sm.source = m->source;
        sm.dest = dest.address;
        sm.esm_class = m->esm_class;
        sm.protocol_id = m->protocol_id;
        sm.priority_flag = m->priority_flag;
        sm.schedule_delivery_time = m->schedule_delivery_time;
        sm.validity_period = m->validity_period;
        sm.registered_delivery = m->registered_delivery;
        sm.replace_if_present_flag = m->replace_if_present_flag;
        sm.data_coding = m->data_coding;
        sm.sm_default_msg_id = m->sm_default_msg_id;
        sm.short_message = m->short_message;
        sm.tlvs = m->tlvs;
        if (needs_split(sm, account)) {
            auto parts = split_parts(account, seq, sm);
            if (auto* status = std::get_if<command_status>(&parts)) {
                unsuccess.push_back({dest.address, static_cast<std::uint32_t>(*status)});
                continue;
            }
            accepted.push_back(std::move(std::get<std::vector<Prepared>>(parts)));
            continue;
        }
        auto p = prepare(account, seq, std::move(sm));
        if (auto* status = std::get_if<command_status>(&p)) {
            unsuccess.push_back({dest.address, static_cast<std::uint32_t>(*status)});
            continue;
        }
        accepted.emplace_back().push_back(std::move(std::get<Prepared>(p)));
    }
    if (accepted.empty()) {
        counters_.refused.fetch_add(std::max<std::size_t>(unsuccess.size(), 1), std::memory_order_relaxed);
        return s->respond(protocol::make_response(command_id::submit_multi, seq, multi_refusal(unsuccess)));
    }
    // Every destination in one write: stored all or none, so the id the
    // response names (the first record's) is always a stored record.
    const auto upstream_id = accepted.front().front().record.id;
    const auto upstream_bind = upstream::upstream_bind_label(*s);
    std::vector<store::MessageRecord> records;
    auto flights = std::make_shared<std::vector<std::shared_ptr<Flight>>>();
    std::size_t split = 0;
    for (auto& unit : accepted) {
        if (unit.size() > 1) ++split;
        for (auto& p : unit) {
            p.record.upstream_id = upstream_id;
            p.record.upstream_bind = upstream_bind;
            records.push_back(std::move(p.record));
            flights->push_back(std::move(p.flight));
        }
    }
    const auto destinations = accepted.size();
    ledger_.accept_all(std::move(records), [self = shared_from_this(), s, seq, flights, upstream_id, split, destinations,
                                            unsuccess = std::move(unsuccess)](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        auto& ex = s->get_executor();
        boost::asio::post(ex, [self = std::move(self), s = std::move(s), seq, flights = std::move(flights), upstream_id,
                               split, destinations, unsuccess = std::move(unsuccess), st = std::move(st)]() mutable {
            if (!st.ok()) {
                spdlog::warn("submit_multi {} ({} destination(s)) not stored: {}", upstream_id.to_string(),
                             destinations, st.to_string());
                for (auto& f : *flights) {
                    self->abandon(*f);  // born with a credit: it goes to no carrier now
                }
                self->counters_.refused.fetch_add(unsuccess.size() + destinations, std::memory_order_relaxed);
                return s->respond(protocol::make_response(command_id::submit_multi, seq, status_for(st)));
            }
            self->counters_.refused.fetch_add(unsuccess.size(), std::memory_order_relaxed);
            self->counters_.accepted.fetch_add(flights->size(), std::memory_order_relaxed);
            self->counters_.split.fetch_add(split, std::memory_order_relaxed);
            auto resp = protocol::make_response(command_id::submit_multi, seq, command_status::ESME_ROK);
            auto* body = resp.as<protocol::SubmitMultiResp>();
            body->message_id = upstream_id.to_string();
            body->unsuccess_smes = std::move(unsuccess);
            s->respond(std::move(resp));
            self->start_behind(s->get_executor(), std::move(*flights), upstream_id);
        });
    });
}

}  // namespace smpp::relay
