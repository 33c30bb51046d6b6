#include "smpp/relay/forward_path.hpp"

#include <algorithm>
#include <variant>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/segments.hpp"
#include "smpp/relay/query_service.hpp"
#include "smpp/upstream/data_sm_intake.hpp"

namespace smpp::relay {

using protocol::command_id;
using protocol::command_status;
using store::MessageStatus;
using store::StatusCode;

// One message on its way to a carrier. Touched by one step at a time: each
// step hands it on through a post, a ledger completion or a carrier
// callback, never to two at once.
struct ForwardPath::Flight {
    store::MessageId id;
    protocol::SubmitSm pdu;
    std::vector<std::string> candidates;  // carrier ids, in order
    std::size_t next = 0;                 // the candidate to try next
    std::uint32_t rounds = 0;             // retry rounds scheduled so far
    std::uint32_t last_status = static_cast<std::uint32_t>(command_status::ESME_RSUBMITFAIL);
    carrier::message_class cls = carrier::message_class::transactional;
    std::string country;  // of the route, for health per carrier x country
    std::chrono::steady_clock::time_point submitted_at{};
    Backlog* backlog = nullptr;  // counted in while set
};

namespace {

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string_view payload_of(const protocol::SubmitSm& sm) {
    if (auto p = sm.tlvs.message_payload()) return *p;
    return sm.short_message;
}

// Segments towards the carrier. A payload with a UDH is a part the upstream
// already split; one that does not fit its data_coding's alphabet (an octet
// above 0x7F under GSM 7-bit, an odd UCS-2 length) is counted as octets:
// SMSCs take such payloads more often than not, and billing must not
// undercount.
std::size_t segments_of(const protocol::SubmitSm& sm) {
    if (sm.esm_class & protocol::esm_class::udhi) return 1;
    const auto payload = payload_of(sm);
    auto n = protocol::segment_count(sm.data_coding, payload);
    if (auto* count = std::get_if<std::size_t>(&n)) return *count;
    return std::get<protocol::Segments>(protocol::split(protocol::sm_encoding::octets, payload)).count();
}

command_status status_for(const store::Status& s) {
    return s.code() == StatusCode::busy ? command_status::ESME_RMSGQFUL : command_status::ESME_RSYSERR;
}

protocol::Pdu submit_sm_resp(std::uint32_t sequence_number, command_status status, std::string message_id = {}) {
    auto resp = protocol::make_response(command_id::submit_sm, sequence_number, status);
    if (status == command_status::ESME_ROK) resp.as<protocol::SubmitSmResp>()->message_id = std::move(message_id);
    return resp;
}

protocol::SubmitSm submit_sm_of(const store::MessageRecord& r) {
    protocol::SubmitSm sm;
    sm.source = {r.source.ton, r.source.npi, r.source.address};
    sm.dest = {r.destination.ton, r.destination.npi, r.destination.address};
    sm.esm_class = r.esm_class;
    sm.data_coding = r.data_coding;
    sm.registered_delivery = r.registered_delivery;
    sm.priority_flag = r.priority_flag;
    if (r.payload.size() < protocol::limits::short_message)
        sm.short_message = r.payload;
    else
        sm.tlvs.set_bytes(protocol::tlv_tag::message_payload, r.payload);
    return sm;
}

// An account's class and profile, as routing/ and the carrier queues know them.
struct AccountRouting {
    routing::TrafficClass traffic_class = routing::TrafficClass::transactional;
    carrier::message_class cls = carrier::message_class::transactional;
    std::string_view profile{};
    std::string_view class_name = "transactional";
};

AccountRouting routing_of(const upstream::AccountSettings& accounts, std::string_view account) {
    AccountRouting r;
    const auto* a = accounts.find(account);
    if (!a) return r;
    // The three enums list otp, transactional, bulk in the same order.
    const auto c = static_cast<std::uint8_t>(a->default_class);
    r.traffic_class = static_cast<routing::TrafficClass>(c);
    r.cls = static_cast<carrier::message_class>(c);
    r.profile = a->routing_profile;
    r.class_name = upstream::name(a->default_class);
    return r;
}

// What routing/ is asked for one message; it views `digits`, `source_addr`
// and the profile: keep them alive until select().
routing::SelectRequest select_request(std::string_view digits, std::string_view source_addr, std::uint8_t source_ton,
                                      std::uint8_t data_coding, std::size_t segments, bool message_payload,
                                      const AccountRouting& account) {
    routing::SelectRequest q;
    q.destination = digits;
    q.traffic_class = account.traffic_class;
    q.profile = account.profile;
    q.source_addr = source_addr;
    q.source_addr_ton = source_ton;
    q.data_coding = data_coding;
    q.segments = static_cast<std::uint8_t>(std::min<std::size_t>(segments, 255));
    q.message_payload = message_payload;
    q.now = std::chrono::system_clock::now();
    return q;
}

}  // namespace

std::shared_ptr<ForwardPath> ForwardPath::create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                                 store::MessageIdGenerator& ids, std::shared_ptr<MessageRouter> router,
                                                 Carriers carriers, ForwardSettings settings) {
    return std::shared_ptr<ForwardPath>(
        new ForwardPath(std::move(ex), ledger, ids, std::move(router), std::move(carriers), settings));
}

ForwardPath::ForwardPath(boost::asio::any_io_executor ex, store::Ledger& ledger, store::MessageIdGenerator& ids,
                         std::shared_ptr<MessageRouter> router, Carriers carriers, ForwardSettings settings)
    : ex_(std::move(ex)),
      ledger_(ledger),
      ids_(ids),
      router_(std::move(router)),
      carriers_(std::move(carriers)),
      settings_(settings) {
    for (const auto& a : settings_.accounts.accounts) {
        auto b = std::make_unique<Backlog>();
        b->max = a.max_backlog;
        backlogs_.emplace(a.system_id, std::move(b));
    }
}

ForwardPath::Backlog* ForwardPath::backlog_of(std::string_view account) const {
    auto it = backlogs_.find(account);
    return it == backlogs_.end() ? nullptr : it->second.get();
}

void ForwardPath::leave_backlog(Flight& f) noexcept {
    if (!f.backlog) return;
    f.backlog->size.fetch_sub(1, std::memory_order_relaxed);
    f.backlog = nullptr;
}

std::uint32_t ForwardPath::backlog(std::string_view account) const {
    auto* b = backlog_of(account);
    return b ? b->size.load(std::memory_order_relaxed) : 0;
}

command_status ForwardPath::check(const protocol::SubmitSm& sm, routing::Decision* decision,
                                  std::string_view account) const {
    const auto digits = routing::normalise_e164(sm.dest.addr);
    if (!digits) return command_status::ESME_RINVDSTADR;
    if (!account.empty()) {
        // A point read of a small column family on the session's strand.
        auto opted = ledger_.is_opted_out(account, *digits);
        if (!opted.ok()) {
            spdlog::error("opt-out list of {} unreadable: {}", account, opted.status().to_string());
            return command_status::ESME_RSYSERR;
        }
        if (*opted) {
            spdlog::info("submit_sm from {} to {} refused: the number opted out", account, *digits);
            return settings_.opt_out_status;
        }
    }
    if (!sm.short_message.empty() && sm.tlvs.has(protocol::tlv_tag::message_payload))
        return command_status::ESME_RINVMSGLEN;
    const auto segments = segments_of(sm);
    if (segments > 255) return command_status::ESME_RINVMSGLEN;
    auto d = router_->select(select_request(*digits, sm.source.addr, sm.source.ton, sm.data_coding, segments,
                                            sm.tlvs.has(protocol::tlv_tag::message_payload),
                                            routing_of(settings_.accounts, account)));
    if (!d.routed()) {
        spdlog::debug("no route for '{}': {}", sm.dest.addr, route_reason(d));
        return command_status::ESME_RINVDSTADR;
    }
    if (decision) *decision = std::move(d);
    return command_status::ESME_ROK;
}

void ForwardPath::submit_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
    submit(std::move(s), std::move(account), request.sequence_number, request.as<protocol::SubmitSm>(), false);
}

void ForwardPath::data_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
    const auto seq = request.sequence_number;
    auto* d = request.as<protocol::DataSm>();
    if (!d) return s->respond(protocol::make_response(command_id::data_sm, seq, command_status::ESME_RSYSERR));
    auto converted = upstream::submit_sm_from(*d);
    if (auto* status = std::get_if<command_status>(&converted)) {
        counters_.refused.fetch_add(1, std::memory_order_relaxed);
        return s->respond(protocol::make_response(command_id::data_sm, seq, *status));
    }
    submit(std::move(s), std::move(account), seq, &std::get<protocol::SubmitSm>(converted), true);
}

void ForwardPath::query_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
    s->respond(answer_query_sm(ledger_, account, request));
}

void ForwardPath::cancel_sm(std::shared_ptr<session::Session> s, std::string account, protocol::Pdu&& request) {
    const auto seq = request.sequence_number;
    auto reply = [&s, seq](command_status st) {
        s->respond(protocol::make_response(command_id::cancel_sm, seq, st));
    };
    const auto* c = request.as<protocol::CancelSm>();
    if (!c) return reply(command_status::ESME_RSYSERR);
    const auto id = store::MessageId::parse(c->message_id);
    if (!id) return reply(command_status::ESME_RINVMSGID);
    auto record = ledger_.find(*id);
    if (!record.ok())
        return reply(record.status().code() == StatusCode::not_found ? command_status::ESME_RINVMSGID
                                                                      : command_status::ESME_RCANCELFAIL);
    if (record->account != account) return reply(command_status::ESME_RINVMSGID);
    if (record->status != MessageStatus::accepted && record->status != MessageStatus::queued)
        return reply(command_status::ESME_RCANCELFAIL);
    // Only from accepted/queued, checked again in the ledger's ordered
    // writes: a `sending` written meanwhile wins and the cancel fails.
    store::StateChange change{.status = MessageStatus::cancelled,
                              .at = now_ms(),
                              .only_from = {MessageStatus::accepted, MessageStatus::queued}};
    ledger_.update(*id, std::move(change), [s, seq, id = *id](store::Status st) {
        auto& ex = s->get_executor();
        boost::asio::post(ex, [s, seq, id, st = std::move(st)] {
            command_status answer = command_status::ESME_ROK;
            if (st.code() == StatusCode::busy) answer = command_status::ESME_RMSGQFUL;
            else if (!st.ok()) answer = command_status::ESME_RCANCELFAIL;
            if (answer == command_status::ESME_ROK) spdlog::info("message {} cancelled by cancel_sm", id.to_string());
            s->respond(protocol::make_response(command_id::cancel_sm, seq, answer));
        });
    });
}

void ForwardPath::submit(std::shared_ptr<session::Session> s, std::string account, std::uint32_t seq,
                         protocol::SubmitSm* sm, bool as_data_sm) {
    auto answer = [as_data_sm](protocol::Pdu resp) {
        return as_data_sm ? upstream::data_sm_resp_from(std::move(resp)) : resp;
    };
    routing::Decision decision;
    auto status = sm ? check(*sm, &decision, account) : command_status::ESME_RSYSERR;
    if (status == command_status::ESME_ROK && stopping_.load()) status = command_status::ESME_RSYSERR;
    if (status != command_status::ESME_ROK) {
        counters_.refused.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("submit_sm from {} to '{}' refused: {}", account, sm ? sm->dest.addr : "",
                      protocol::name(status));
        return s->respond(answer(submit_sm_resp(seq, status)));
    }

    auto* backlog = backlog_of(account);
    if (backlog && backlog->size.fetch_add(1, std::memory_order_relaxed) >= backlog->max && backlog->max != 0) {
        backlog->size.fetch_sub(1, std::memory_order_relaxed);
        counters_.refused.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("submit_sm from {} refused: its backlog is full ({})", account, backlog->max);
        return s->respond(answer(submit_sm_resp(seq, command_status::ESME_RMSGQFUL)));
    }
    const auto account_routing = routing_of(settings_.accounts, account);
    const auto at = now_ms();
    store::MessageRecord r;
    r.id = ids_.next();
    r.account = std::move(account);
    r.upstream_sequence_number = seq;
    r.user_message_reference = sm->tlvs.user_message_reference();
    r.source = {sm->source.ton, sm->source.npi, sm->source.addr};
    r.destination = {sm->dest.ton, sm->dest.npi, sm->dest.addr};
    r.esm_class = sm->esm_class;
    r.data_coding = sm->data_coding;
    r.registered_delivery = sm->registered_delivery;
    r.priority_flag = sm->priority_flag;
    r.payload = std::string(payload_of(*sm));
    r.segment_count = static_cast<std::uint8_t>(segments_of(*sm));
    if (auto total = sm->tlvs.sar_total_segments()) {
        r.concatenation = store::Concatenation{sm->tlvs.sar_msg_ref_num().value_or(0), *total,
                                               sm->tlvs.sar_segment_seqnum().value_or(1)};
    }
    r.status = MessageStatus::accepted;
    r.traffic_class = std::string(account_routing.class_name);
    r.route = {decision.carriers.front(), route_reason(decision)};
    r.accepted_at = r.updated_at = at;

    auto flight = std::make_shared<Flight>();
    flight->id = r.id;
    flight->pdu = std::move(*sm);
    flight->candidates = std::move(decision.carriers);
    flight->cls = account_routing.cls;
    flight->country = decision.country;
    flight->backlog = backlog;

    ledger_.accept(std::move(r), [self = shared_from_this(), s = std::move(s), seq, flight, answer](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        auto& ex = s->get_executor();
        boost::asio::post(ex, [self = std::move(self), s = std::move(s), seq, flight = std::move(flight),
                               st = std::move(st), answer]() mutable {
            if (!st.ok()) {
                leave_backlog(*flight);
                self->counters_.refused.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("message {} not stored: {}", flight->id.to_string(), st.to_string());
                return s->respond(answer(submit_sm_resp(seq, status_for(st))));
            }
            self->counters_.accepted.fetch_add(1, std::memory_order_relaxed);
            s->respond(answer(submit_sm_resp(seq, command_status::ESME_ROK, flight->id.to_string())));
            self->dispatch(std::move(flight));
        });
    });
}

void ForwardPath::resume(store::MessageRecord record) {
    auto flight = std::make_shared<Flight>();
    flight->id = record.id;
    flight->pdu = submit_sm_of(record);
    const auto account_routing = routing_of(settings_.accounts, record.account);
    flight->cls = account_routing.cls;
    // Resumed messages count in without a limit: they already have ESME_ROK.
    if (auto* b = backlog_of(record.account)) {
        b->size.fetch_add(1, std::memory_order_relaxed);
        flight->backlog = b;
    }
    const auto digits = routing::normalise_e164(record.destination.address);
    routing::Decision match;
    if (digits)
        match = router_->select(select_request(*digits, record.source.address, record.source.ton, record.data_coding,
                                               record.segment_count,
                                               record.payload.size() >= protocol::limits::short_message,
                                               account_routing));
    if (!match.routed()) {
        // Routes changed since it was accepted; it stays tracked and waits
        // for the next round (a route may come back with a reload).
        flight->last_status = static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR);
        return retry_later(std::move(flight));
    }
    flight->candidates = std::move(match.carriers);
    flight->country = match.country;
    dispatch(std::move(flight));
}

void ForwardPath::dispatch(std::shared_ptr<Flight> f) {
    while (f->next < f->candidates.size()) {
        const std::string& carrier_id = f->candidates[f->next];
        auto it = carriers_.find(carrier_id);
        if (it == carriers_.end()) {
            // conf/ checks route carriers against the carriers file; a gap
            // here is a programming error, not a reason to lose the message.
            spdlog::error("message {}: route names carrier {} which is not running", f->id.to_string(), carrier_id);
            ++f->next;
            continue;
        }
        // `sending` is durable before the submit_sm leaves us: after a crash,
        // recover() turns it into in_doubt instead of resending a message the
        // carrier may already have (nothing doubled without the account's say).
        const auto at = now_ms();
        store::StateChange sending{
            .status = MessageStatus::sending,
            .at = at,
            .attempt = store::Attempt{.carrier = carrier_id, .at = at, .status = MessageStatus::sending}};
        ledger_.update(f->id, std::move(sending), [self = shared_from_this(), f, carrier_id](store::Status st) mutable {
            // Possibly on the ledger's writer thread: only post from here.
            boost::asio::post(self->ex_, [self, f = std::move(f), carrier_id, st = std::move(st)]() mutable {
                if (st.code() == StatusCode::failed_precondition) {
                    // Final meanwhile (cancel_sm): nothing left to send.
                    spdlog::info("message {} is final ({}); not sent", f->id.to_string(), st.to_string());
                    leave_backlog(*f);
                    return;
                }
                if (!st.ok()) {
                    self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
                    spdlog::error("message {}: 'sending' not stored ({}); not submitting now",
                                  f->id.to_string(), st.to_string());
                    return self->retry_later(std::move(f));
                }
                self->submit_to(std::move(f), carrier_id);
            });
        });
        return;
    }
    retry_later(std::move(f));
}

void ForwardPath::submit_to(std::shared_ptr<Flight> f, const std::string& carrier_id) {
    auto it = carriers_.find(carrier_id);
    carrier::SubmitRequest request{f->id.to_string(), f->cls, f->pdu};
    f->submitted_at = std::chrono::steady_clock::now();
    it->second->submit(std::move(request), [self = shared_from_this(), f, carrier_id](carrier::SubmitOutcome o) {
        self->on_outcome(std::move(f), carrier_id, std::move(o));
    });
}

void ForwardPath::on_outcome(std::shared_ptr<Flight> f, const std::string& carrier_id,
                             carrier::SubmitOutcome outcome) {
    const auto at = now_ms();
    const auto id = f->id.to_string();
    report_health(*f, carrier_id, outcome);
    if (!std::holds_alternative<carrier::Transient>(outcome) && !std::holds_alternative<carrier::Refused>(outcome))
        leave_backlog(*f);
    if (auto* sent = std::get_if<carrier::Sent>(&outcome)) {
        counters_.sent.fetch_add(1, std::memory_order_relaxed);
        auto ids = settings_.carrier_ids.find(carrier_id);
        auto key = index_key(sent->carrier_message_id,
                             ids == settings_.carrier_ids.end() ? CarrierIdSettings{} : ids->second);
        if (!key)
            spdlog::warn("message {}: carrier {} answered with message_id '{}', which no receipt can be matched to",
                         id, carrier_id, sent->carrier_message_id);
        return ledger_.sent(f->id, carrier_id, sent->carrier_message_id, key.value_or(std::string{}), at,
                            log_failure("sent", id));
    }
    if (auto* p = std::get_if<carrier::Permanent>(&outcome)) {
        counters_.rejected.fetch_add(1, std::memory_order_relaxed);
        const auto code = static_cast<std::uint32_t>(p->status);
        store::StateChange change{.status = MessageStatus::rejected,
                                  .at = at,
                                  .attempt = store::Attempt{.carrier = carrier_id,
                                                            .at = at,
                                                            .status = MessageStatus::rejected,
                                                            .command_status = code},
                                  .error_code = code};
        return ledger_.update(f->id, std::move(change), log_failure("rejected", id));
    }
    if (std::holds_alternative<carrier::InDoubt>(outcome)) {
        counters_.in_doubt.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("message {} in doubt at {}: {}", id, carrier_id, carrier::describe(outcome));
        store::StateChange change{
            .status = MessageStatus::in_doubt,
            .at = at,
            .attempt = store::Attempt{.carrier = carrier_id, .at = at, .status = MessageStatus::in_doubt}};
        return ledger_.update(f->id, std::move(change), log_failure("in_doubt", id));
    }
    // Transient, or refused before it left us: the next carrier, or later.
    if (auto* t = std::get_if<carrier::Transient>(&outcome)) f->last_status = static_cast<std::uint32_t>(t->status);
    spdlog::debug("message {} not taken by {}: {}", id, carrier_id, carrier::describe(outcome));
    ++f->next;
    dispatch(std::move(f));
}

void ForwardPath::report_health(const Flight& f, const std::string& carrier_id,
                                const carrier::SubmitOutcome& outcome) {
    if (!settings_.health) return;
    using routing::health::SubmitClass;
    const auto latency = std::chrono::steady_clock::now() - f.submitted_at;
    SubmitClass c;
    if (std::holds_alternative<carrier::Sent>(outcome)) {
        c = SubmitClass::ok;
    } else if (auto* t = std::get_if<carrier::Transient>(&outcome)) {
        c = (t->status == command_status::ESME_RTHROTTLED || t->status == command_status::ESME_RMSGQFUL)
                ? SubmitClass::throttled
                : SubmitClass::transient;
    } else if (std::holds_alternative<carrier::Permanent>(outcome)) {
        c = SubmitClass::permanent;
    } else if (std::holds_alternative<carrier::InDoubt>(outcome)) {
        c = SubmitClass::no_response;
    } else {
        return;  // refused before it reached the carrier: says nothing about it
    }
    settings_.health->on_submit(carrier_id, f.country, c, latency);
}

void ForwardPath::retry_later(std::shared_ptr<Flight> f) {
    // Stopping: the record stays accepted/queued and recover() resumes it.
    if (stopping_.load()) return;
    const auto id = f->id.to_string();
    const auto at = now_ms();
    if (f->rounds >= settings_.max_retry_rounds) {
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        leave_backlog(*f);
        spdlog::warn("message {} failed after {} retry rounds", id, f->rounds);
        store::StateChange change{.status = MessageStatus::failed, .at = at, .error_code = f->last_status};
        return ledger_.update(f->id, std::move(change), log_failure("failed", id));
    }
    auto delay = settings_.retry_base;
    for (std::uint32_t i = 0; i < f->rounds && delay < settings_.retry_max; ++i) delay *= 2;
    delay = std::min(delay, settings_.retry_max);
    ++f->rounds;
    counters_.retries.fetch_add(1, std::memory_order_relaxed);
    ledger_.schedule_retry(f->id, at + delay, [self = shared_from_this(), f, delay](store::Status st) mutable {
        if (st.code() == StatusCode::failed_precondition) {
            leave_backlog(*f);  // final meanwhile (cancel_sm): no retry
            return;
        }
        if (!st.ok()) {
            self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("message {}: retry not stored ({}); retrying anyway", f->id.to_string(), st.to_string());
        }
        boost::asio::post(self->ex_, [self, f = std::move(f), delay]() mutable {
            auto timer = std::make_shared<boost::asio::steady_timer>(self->ex_, delay);
            timer->async_wait([self, f = std::move(f), timer](boost::system::error_code ec) mutable {
                if (ec || self->stopping_.load()) return;
                f->next = 0;
                self->dispatch(std::move(f));
            });
        });
    });
}

store::Completion ForwardPath::log_failure(std::string what, std::string id) {
    return [self = shared_from_this(), what = std::move(what), id = std::move(id)](store::Status st) {
        if (st.ok()) return;
        self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("message {}: ledger write '{}' failed: {}", id, what, st.to_string());
    };
}

ForwardCounters ForwardPath::counters() const {
    auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(counters_.accepted), get(counters_.refused),  get(counters_.sent),    get(counters_.retries),
            get(counters_.rejected), get(counters_.in_doubt), get(counters_.failed), get(counters_.ledger_errors)};
}

}  // namespace smpp::relay
