#include "smpp/relay/forward_path.hpp"

#include <algorithm>
#include <iterator>
#include <variant>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "smpp/protocol/segments.hpp"
#include "smpp/protocol/smpp_time.hpp"
#include "smpp/relay/forward_flight.hpp"
#include "smpp/relay/query_service.hpp"
#include "smpp/upstream/data_sm_intake.hpp"
#include "smpp/upstream/upstream_bind_label.hpp"

namespace smpp::relay {

using protocol::command_id;
using protocol::command_status;
using store::MessageStatus;
using store::StatusCode;
using namespace forward;

namespace forward {

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

void set_payload(protocol::SubmitSm& sm, std::string_view payload) {
    if (sm.tlvs.has(protocol::tlv_tag::message_payload) || payload.size() >= protocol::limits::short_message) {
        sm.short_message.clear();
        sm.tlvs.set_bytes(protocol::tlv_tag::message_payload, std::string(payload));
    } else {
        sm.short_message = std::string(payload);
    }
}

void stamp_times(protocol::SubmitSm& sm, store::Timestamp expires_at) {
    sm.schedule_delivery_time.clear();
    sm.validity_period.clear();
    if (expires_at != store::Timestamp{})
        sm.validity_period = protocol::format_smpp_time(expires_at).value_or(std::string{});
}

std::variant<command_status, Times> times_of(std::string_view schedule, std::string_view validity,
                                             store::Timestamp now) {
    using std::chrono::time_point_cast;
    Times t;
    if (!schedule.empty()) {
        auto at = protocol::parse_smpp_time(schedule, now);
        if (!std::holds_alternative<std::chrono::system_clock::time_point>(at))
            return command_status::ESME_RINVSCHED;
        const auto when = time_point_cast<std::chrono::milliseconds>(std::get<0>(at));
        if (when > now) t.deliver_at = when;
    }
    if (!validity.empty()) {
        auto at = protocol::parse_smpp_time(validity, now);
        if (!std::holds_alternative<std::chrono::system_clock::time_point>(at))
            return command_status::ESME_RINVEXPIRY;
        t.expires_at = time_point_cast<std::chrono::milliseconds>(std::get<0>(at));
        if (t.expires_at <= now || (t.deliver_at != store::Timestamp{} && t.expires_at <= t.deliver_at))
            return command_status::ESME_RINVEXPIRY;
    }
    return t;
}

command_status status_for(const store::Status& s) {
    return s.code() == StatusCode::busy ? command_status::ESME_RMSGQFUL : command_status::ESME_RSYSERR;
}

std::int64_t cost_of(const ForwardPath::Flight& f, std::size_t i) {
    if (i >= f.costs.size()) return 0;
    // Route prices are at most a few units per part: the product stays far
    // below int64's range for 255 parts.
    return static_cast<std::int64_t>(f.costs[i]) * static_cast<std::int64_t>(f.segments);
}

std::uint8_t carrier_registered_delivery(std::uint8_t upstream) noexcept {
    return static_cast<std::uint8_t>((upstream & (rd_intermediate_bit | rd_sme_ack_bits)) | rd_receipt_always);
}

protocol::Pdu submit_sm_resp(std::uint32_t sequence_number, command_status status, std::string message_id) {
    auto resp = protocol::make_response(command_id::submit_sm, sequence_number, status);
    if (status == command_status::ESME_ROK) resp.as<protocol::SubmitSmResp>()->message_id = std::move(message_id);
    return resp;
}

}  // namespace forward

namespace {

protocol::SubmitSm submit_sm_of(const store::MessageRecord& r) {
    protocol::SubmitSm sm;
    sm.service_type = r.service_type;
    sm.source = {r.source.ton, r.source.npi, r.source.address};
    sm.dest = {r.destination.ton, r.destination.npi, r.destination.address};
    sm.esm_class = r.esm_class;
    sm.data_coding = r.data_coding;
    sm.registered_delivery = r.registered_delivery;
    sm.priority_flag = r.priority_flag;
    sm.protocol_id = r.protocol_id;
    sm.replace_if_present_flag = r.replace_if_present_flag;
    sm.sm_default_msg_id = r.sm_default_msg_id;
    sm.tlvs.reserve(r.tlvs.size() + 1);
    for (const auto& t : r.tlvs) sm.tlvs.append(t.tag, t.value);
    if (r.payload.size() < protocol::limits::short_message)
        sm.short_message = r.payload;
    else
        sm.tlvs.set_bytes(protocol::tlv_tag::message_payload, r.payload);
    return sm;
}

// What submit_sm_of() needs beyond the record's own fields.
void keep_rest_of(const protocol::SubmitSm& sm, store::MessageRecord& r) {
    r.protocol_id = sm.protocol_id;
    r.replace_if_present_flag = sm.replace_if_present_flag;
    r.sm_default_msg_id = sm.sm_default_msg_id;
    if (sm.tlvs.empty()) return;
    r.tlvs.reserve(sm.tlvs.size());
    for (const auto& t : sm.tlvs.items())
        if (t.tag != static_cast<std::uint16_t>(protocol::tlv_tag::message_payload)) r.tlvs.push_back({t.tag, t.value});
}

// The carriers that answered `r` with a message_id: they have it.
std::vector<std::string> carriers_with_id(const store::MessageRecord& r) {
    std::vector<std::string> had;
    for (const auto& a : r.attempts)
        if (store::carrier_took(a) && std::find(had.begin(), had.end(), a.carrier) == had.end())
            had.push_back(a.carrier);
    return had;
}

// The times `r` went to a carrier and got no answer it could read. Every
// send writes a `sending` attempt first. An answer while we ran closes it
// (sent, or failed for a refusal) or follows it at the same carrier (the
// in_doubt attempt of a timeout, which a late answer turns sent or
// refused; a rejection). One still open with nothing after it from its
// carrier was cut by a restart: recover() marked the record in doubt, not
// the attempt.
std::size_t in_doubt_sends(const store::MessageRecord& r) {
    std::size_t n = 0;
    const auto& a = r.attempts;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].status == MessageStatus::in_doubt) {
            ++n;
            continue;
        }
        if (a[i].status != MessageStatus::sending || !a[i].carrier_message_id.empty()) continue;
        const bool last = i + 1 == a.size();
        const bool answered = !last && a[i + 1].carrier == a[i].carrier && a[i + 1].status != MessageStatus::sending;
        // The last one of a record still `sending` is on its way now.
        if (!answered && (!last || r.status == MessageStatus::in_doubt)) ++n;
    }
    return n;
}

// Drops `had` from the decision's candidates, keeping costs beside their carriers.
void drop_carriers(routing::Decision& d, const std::vector<std::string>& had) {
    std::vector<std::string> carriers;
    std::vector<std::uint64_t> costs;
    for (std::size_t i = 0; i < d.carriers.size(); ++i) {
        if (std::find(had.begin(), had.end(), d.carriers[i]) != had.end()) continue;
        carriers.push_back(std::move(d.carriers[i]));
        costs.push_back(i < d.costs.size() ? d.costs[i] : 0);
    }
    d.carriers = std::move(carriers);
    d.costs = std::move(costs);
}

// The forward path routes by its own table and never reads the number's
// region: not resolving it spares libphonenumber's pattern matching for
// shared country codes (+1, +44, +7...) on every submit.
upstream::SubmitPolicy forward_policy(upstream::SubmitPolicy p) {
    p.numbers.resolve_region = false;
    return p;
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

// The parts the route's carriers must take for one message: its segments,
// or for a part of a concatenated message the whole message's parts (all
// go the same way).
std::size_t parts_of(std::size_t segments, std::size_t concatenated_total) {
    return std::max(segments, concatenated_total);
}

// No carrier of the route takes the message as it is (capabilities): it is
// refused for that, so the upstream can send it otherwise. Any other reason
// means the destination is what we cannot serve.
command_status unrouted_status(const routing::Decision& d) {
    if (d.skipped.empty()) return command_status::ESME_RINVDSTADR;
    bool parts = false;
    for (const auto& s : d.skipped) {
        if (s.kind == routing::SkipKind::parts) parts = true;
        else if (s.kind != routing::SkipKind::message_payload) return command_status::ESME_RINVDSTADR;
    }
    return parts ? command_status::ESME_RINVMSGLEN : command_status::ESME_ROPTPARNOTALLWD;
}

}  // namespace

std::shared_ptr<ForwardPath> ForwardPath::create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                                 store::MessageIdGenerator& ids, std::shared_ptr<MessageRouter> router,
                                                 Carriers carriers, ForwardSettings settings) {
    std::shared_ptr<ForwardPath> path(
        new ForwardPath(std::move(ex), ledger, ids, std::move(router), std::move(carriers), settings));
    for (const auto& [id, c] : path->carriers_)
        c->set_late_handler([w = std::weak_ptr<ForwardPath>(path), carrier_id = id](const std::string& message,
                                                                                    carrier::SubmitOutcome o) {
            if (auto self = w.lock()) self->on_late(carrier_id, message, std::move(o));
        });
    return path;
}

ForwardPath::ForwardPath(boost::asio::any_io_executor ex, store::Ledger& ledger, store::MessageIdGenerator& ids,
                         std::shared_ptr<MessageRouter> router, Carriers carriers, ForwardSettings settings)
    : ex_(std::move(ex)),
      ledger_(ledger),
      ids_(ids),
      router_(std::move(router)),
      carriers_(std::move(carriers)),
      settings_(settings),
      parts_(settings_.concat_window),
      split_reference_(static_cast<std::uint32_t>(now_ms().time_since_epoch().count())) {
    for (const auto& a : settings_.accounts.accounts) {
        policies_.emplace(a.system_id, forward_policy(upstream::submit_policy_of(a)));
        auto b = std::make_unique<Backlog>();
        b->max = a.max_backlog;
        backlogs_.emplace(a.system_id, std::move(b));
    }
    for (const auto& [id, c] : carriers_) {
        const auto& cs = c->settings();
        const auto n = cs.max_sending != 0 ? cs.max_sending : default_credits(cs.binds, cs.window, cs.max_tps);
        credits_.emplace(id, std::make_unique<Credits>(n, cs.queue_limit, settings_.carrier_stall));
    }
}

bool ForwardPath::accepting(std::string_view carrier_id) const {
    auto it = carriers_.find(carrier_id);
    return it != carriers_.end() && it->second->accepting();
}

namespace {

// `carrier` moved to the front of `candidates` (and its cost of `costs`),
// the others keeping their order and prices. False when it is not there.
bool to_front(const std::string& carrier, std::vector<std::string>& candidates, std::vector<std::uint64_t>& costs) {
    const auto at = std::find(candidates.begin(), candidates.end(), carrier);
    if (at == candidates.end()) return false;
    const auto i = static_cast<std::size_t>(at - candidates.begin());
    std::rotate(candidates.begin(), at, at + 1);
    if (costs.size() == candidates.size()) std::rotate(costs.begin(), costs.begin() + i, costs.begin() + i + 1);
    return true;
}

void warn_off_route(const ConcatKey& part, const std::string& carrier) {
    spdlog::warn("concatenated message {} of {} to {}: carrier {}, which took other parts, is not on its route now; "
                 "this part goes another way",
                 part.ref, part.account, part.destination, carrier);
}

}  // namespace

std::optional<std::string> ForwardPath::follow_siblings(const ConcatKey& part, std::vector<std::string>& candidates,
                                                        std::vector<std::uint64_t>& costs) {
    auto pin = parts_.pin(part, PartAffinity::clock::now());
    if (!pin) return std::nullopt;
    if (!to_front(pin->carrier, candidates, costs)) {
        // The route changed, or a carrier left it: the part goes its own way.
        if (pin->taken) warn_off_route(part, pin->carrier);
        return std::nullopt;
    }
    return pin->carrier;
}

void ForwardPath::keep_pinned(const PartAffinity::Pin& pin, routing::Decision& d) {
    if (!pin.taken) return;
    if (std::find(d.carriers.begin(), d.carriers.end(), pin.carrier) != d.carriers.end()) return;
    const auto skip = std::find_if(d.skipped.begin(), d.skipped.end(), [&](const routing::Skipped& s) {
        return s.carrier == pin.carrier && s.kind == routing::SkipKind::circuit;
    });
    if (skip == d.skipped.end()) return;
    // Its circuit opened after it took a sibling (a bind loss opens them
    // all): the part waits for it like for any outage, or goes there when
    // it answers again, rather than reach the handset another way.
    if (d.costs.size() == d.carriers.size()) d.costs.insert(d.costs.begin(), skip->cost_micros);
    d.carriers.insert(d.carriers.begin(), pin.carrier);
    d.skipped.erase(skip);
    d.error.clear();
}

void ForwardPath::wait_for_cut_carriers(routing::Decision& d) {
    if (d.routed()) return;
    // Upstreams take ESME_RINVDSTADR as final and drop the message: for an
    // outage of the route's carriers that loses it. Routing checks circuits
    // last, so a carrier skipped for one passed every other filter (class,
    // sender, coding, capabilities): it can carry this message once it is
    // back. dispatch() passes over one without a bind, and retry_later()
    // wakes the message when one takes submits again; the account's
    // max_backlog bounds how many wait.
    for (auto& s : d.skipped) {
        if (s.kind != routing::SkipKind::circuit) continue;
        if (std::find(d.carriers.begin(), d.carriers.end(), s.carrier) != d.carriers.end()) continue;
        d.carriers.push_back(s.carrier);
        d.costs.push_back(s.cost_micros);
        s.reason += "; waited for: every carrier of the route is cut";
    }
    if (d.routed()) d.error.clear();
}

void ForwardPath::pass_over(Flight& f, std::string_view carrier_id, std::string_view why) {
    if (!f.passed.empty()) f.passed += ", ";
    f.passed.append(carrier_id).append(" (").append(why).append(")");
}

std::optional<std::string> ForwardPath::passed_note(Flight& f) {
    if (f.passed.empty() && !f.passed_noted) return std::nullopt;  // nothing to say, nothing to drop
    f.passed_noted = !f.passed.empty();
    return std::exchange(f.passed, std::string());
}

std::string ForwardPath::refusing_why(std::string_view carrier_id) const {
    auto it = carriers_.find(carrier_id);
    if (it == carriers_.end()) return "not running";
    const auto s = it->second->snapshot();
    if (s.backup) return "a backup";
    if (s.state != carrier::carrier_state::running) return std::string(carrier::name(s.state));
    return "no bind up";  // unbound_timeout
}

const char* ForwardPath::part_may_not_go(const Flight& f, std::string_view carrier_id) {
    if (!f.part) return nullptr;
    auto pin = parts_.pin(*f.part, PartAffinity::clock::now());
    if (!pin) return nullptr;
    auto listed = [&f](const std::string& c) {
        return std::find(f.candidates.begin(), f.candidates.end(), c) != f.candidates.end();
    };
    if (pin->taken)
        return pin->carrier == carrier_id || !listed(pin->carrier) ? nullptr : "the other parts went another way";
    // Nothing taken yet: a sibling still on its way to another carrier of
    // the route may be taken there, and this part has to follow it.
    for (const auto& c : pin->awaited)
        if (c != carrier_id && listed(c)) return "another part is on its way to another carrier";
    return nullptr;
}

ForwardPath::Credits::Counts ForwardPath::credits(std::string_view carrier_id) const {
    auto it = credits_.find(carrier_id);
    if (it == credits_.end()) return Credits::Counts{};
    auto counts = it->second->counts(Credits::clock::now());
    counts.outage_waiting = outage_.waiting_for(carrier_id);
    return counts;
}

ForwardPath::Backlog* ForwardPath::backlog_of(std::string_view account) const {
    auto it = backlogs_.find(account);
    return it == backlogs_.end() ? nullptr : it->second.get();
}

void ForwardPath::release(Flight& f) noexcept {
    if (!f.held.exchange(false)) return;
    if (f.backlog) f.backlog->size.fetch_sub(1, std::memory_order_relaxed);
    held_.release(f.account, f.id);
}

std::uint32_t ForwardPath::backlog(std::string_view account) const {
    auto* b = backlog_of(account);
    return b ? b->size.load(std::memory_order_relaxed) : 0;
}

const upstream::SubmitPolicy& ForwardPath::policy_of(std::string_view account) const {
    // An account not configured: the defaults (immutable).
    static const upstream::SubmitPolicy none = forward_policy({});
    auto it = policies_.find(account);
    return it == policies_.end() ? none : it->second;
}

std::variant<command_status, ForwardPath::Checked> ForwardPath::validate(const protocol::SubmitSm& sm,
                                                                         std::string_view account,
                                                                         route_use use) const {
    const bool as_parts = use == route_use::probe_as_parts;
    auto v = upstream::validate_submit(sm, policy_of(account), std::chrono::system_clock::now(), numbers_);
    if (auto* bad = std::get_if<command_status>(&v)) return *bad;
    Checked c{.decision = {}, .valid = std::move(std::get<upstream::ValidSubmit>(v))};
    const auto& digits = c.valid.destination.address;
    if (!account.empty()) {
        // A point read of a small column family on the session's strand.
        auto opted = ledger_.is_opted_out(account, digits);
        if (!opted.ok()) {
            spdlog::error("opt-out list of {} unreadable: {}", account, opted.status().to_string());
            return command_status::ESME_RSYSERR;
        }
        if (*opted) {
            spdlog::info("submit_sm from {} to {} refused: the number opted out", account, digits);
            return settings_.opt_out_status;
        }
    }
    const auto& concatenation = c.valid.concatenation;
    std::optional<ConcatKey> part;
    std::optional<PartAffinity::Pin> pin;
    if (concatenation && concatenation->total > 1 && parts_.enabled() && !account.empty()) {
        part = ConcatKey{std::string(account), sm.source.addr,
                         c.valid.destination.kind == upstream::address_kind::e164 ? digits : sm.dest.addr,
                         concatenation->ref, concatenation->total};
        pin = parts_.pin(*part, PartAffinity::clock::now());
    }
    // Only a text too long for short_message needs a carrier that takes
    // message_payload (submit_to() moves a shorter one; resume() does too).
    const bool needs_payload = !as_parts && sm.tlvs.has(protocol::tlv_tag::message_payload) &&
                               payload_of(sm).size() >= protocol::limits::short_message;
    auto request = select_request(digits, sm.source.addr, sm.source.ton, sm.data_coding,
                                  parts_of(c.valid.segments, concatenation ? concatenation->total : 0), needs_payload,
                                  routing_of(settings_.accounts, account));
    // A part that follows its pinned siblings takes no share of the route:
    // the part that pinned took the message's.
    request.shares = use == route_use::message && !pin;
    c.decision = router_->select(request);
    // Before the routed() check: a part whose carrier took a sibling is not
    // refused because that carrier's circuit is open (its only one, say).
    if (pin) keep_pinned(*pin, c.decision);
    wait_for_cut_carriers(c.decision);
    if (!c.decision.routed()) {
        spdlog::debug("no route for '{}': {}", sm.dest.addr, route_reason(c.decision));
        return unrouted_status(c.decision);
    }
    return c;
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

std::variant<command_status, ForwardPath::Prepared> ForwardPath::prepare(const std::string& account,
                                                                         std::uint32_t seq, protocol::SubmitSm&& sm,
                                                                         store::MessageId id) {
    if (stopping_.load()) return command_status::ESME_RSYSERR;
    auto checked = validate(sm, account);
    if (auto* bad = std::get_if<command_status>(&checked)) return *bad;
    auto& [decision, valid] = std::get<Checked>(checked);
    const auto at = now_ms();
    auto ms = [](std::optional<std::chrono::system_clock::time_point> t) {
        return t ? std::chrono::time_point_cast<std::chrono::milliseconds>(*t) : store::Timestamp{};
    };
    const auto deliver_at = ms(valid.deliver_at);
    const auto expires_at = ms(valid.expires_at);
    // Carriers get the number as we routed it: international, E.164.
    if (valid.destination.kind == upstream::address_kind::e164) sm.dest = {1, 1, valid.destination.address};

    auto* backlog = backlog_of(account);
    if (backlog && backlog->size.fetch_add(1, std::memory_order_relaxed) >= backlog->max && backlog->max != 0) {
        backlog->size.fetch_sub(1, std::memory_order_relaxed);
        spdlog::debug("submit from {} refused: its backlog is full ({})", account, backlog->max);
        return command_status::ESME_RMSGQFUL;
    }
    const auto account_routing = routing_of(settings_.accounts, account);
    // A part of a concatenated message goes where its siblings went.
    std::optional<ConcatKey> part;
    std::string follows;
    if (const auto& c = valid.concatenation; c && c->total > 1 && parts_.enabled()) {
        part = ConcatKey{account, sm.source.addr, sm.dest.addr, c->ref, c->total};  // validate() kept its pin
        const auto now = PartAffinity::clock::now();
        const auto pin = parts_.claim(*part, decision.carriers.front(), now);
        if (!pin.fresh) {
            if (to_front(pin.carrier, decision.carriers, decision.costs)) {
                follows = fmt::format("; parts of this message go through {} (part {} of {})", pin.carrier,
                                      c->seqnum, c->total);
            } else {
                // The route changed, or a carrier left it: its own way.
                if (pin.taken) warn_off_route(*part, pin.carrier);
                parts_.route(*part, decision.carriers.front(), now);
            }
        }
    }
    Prepared p;
    auto& r = p.record;
    r.id = id.valid() ? id : ids_.next();
    r.account = account;
    r.upstream_sequence_number = seq;
    r.user_message_reference = sm.tlvs.user_message_reference();
    r.source = {sm.source.ton, sm.source.npi, sm.source.addr};
    r.destination = {sm.dest.ton, sm.dest.npi, sm.dest.addr};
    r.esm_class = sm.esm_class;
    r.data_coding = sm.data_coding;
    r.registered_delivery = sm.registered_delivery;
    r.priority_flag = sm.priority_flag;
    r.payload = std::string(payload_of(sm));
    r.segment_count = static_cast<std::uint8_t>(valid.segments);
    if (const auto& c = valid.concatenation) r.concatenation = store::Concatenation{c->ref, c->total, c->seqnum};
    r.status = MessageStatus::accepted;
    r.traffic_class = std::string(account_routing.class_name);
    r.route = {decision.carriers.front(), route_reason(decision) + follows};
    r.accepted_at = r.updated_at = at;
    r.retry_at = deliver_at;  // the hold a restart resumes
    r.expires_at = expires_at;
    r.service_type = sm.service_type;
    keep_rest_of(sm, r);
    // Nothing to wait for: the record is born `sending` to the route's first
    // carrier, one ledger write instead of two (accepted, then sending), when
    // that carrier has a credit free (carrier_credits.hpp). A crash after it
    // is durable leaves it in doubt, as a crash after a separate `sending`
    // would. If that carrier refuses, the next gets its own `sending`.
    // A part departs for that carrier first (part_affinity.hpp): if a
    // sibling is on its way elsewhere, dispatch() sorts it out after the
    // accept instead.
    Credits* credit = nullptr;
    if (deliver_at == store::Timestamp{})
        if (auto it = credits_.find(decision.carriers.front()); it != credits_.end() && accepting(it->first)) {
            const auto now = PartAffinity::clock::now();
            const bool may = !part || parts_.depart(*part, it->first, decision.carriers, now) == nullptr;
            if (may && it->second->try_take(now)) credit = it->second.get();
            else if (may && part) parts_.answered(*part, it->first);  // no credit: it does not leave now
        }
    const bool direct = credit != nullptr;
    if (direct) {
        r.status = MessageStatus::sending;
        r.attempts.push_back(store::Attempt{.carrier = decision.carriers.front(), .at = at, .status = MessageStatus::sending});
    }

    auto& f = p.flight = std::make_shared<Flight>();
    f->born_sending = direct;
    f->credit = credit;
    f->id = r.id;
    f->account = account;
    f->pdu = std::move(sm);
    stamp_times(f->pdu, expires_at);
    f->candidates = std::move(decision.carriers);
    f->costs = std::move(decision.costs);
    f->segments = valid.segments;
    f->cls = account_routing.cls;
    f->country = decision.country;
    f->part = std::move(part);
    if (f->part) f->part_seqnum = valid.concatenation->seqnum;
    f->deliver_at = deliver_at;
    f->expires_at = expires_at;
    f->hold_until = hold_until(std::max(at, deliver_at));  // a scheduled message's hold starts at its schedule
    f->backlog = backlog;
    f->held.store(true);  // counted in the backlog above; listed by start()
    // The cost follows the carrier the record is `sending` to (dispatch()
    // restamps it on failover), so once `sent` it is the one that took it.
    if (direct) r.cost_micros = cost_of(*f, 0);
    return p;
}

void ForwardPath::submit(std::shared_ptr<session::Session> s, std::string account, std::uint32_t seq,
                         protocol::SubmitSm* sm, bool as_data_sm) {
    auto answer = [as_data_sm](protocol::Pdu resp) {
        return as_data_sm ? upstream::data_sm_resp_from(std::move(resp)) : resp;
    };
    if (sm && needs_split(*sm, account)) return submit_split(std::move(s), std::move(account), seq, std::move(*sm), as_data_sm);
    auto prepared = sm ? prepare(account, seq, std::move(*sm)) : command_status::ESME_RSYSERR;
    if (auto* status = std::get_if<command_status>(&prepared)) {
        counters_.refused.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("submit_sm from {} refused: {}", account, protocol::name(*status));
        return s->respond(answer(submit_sm_resp(seq, *status)));
    }
    auto& p = std::get<Prepared>(prepared);
    p.record.upstream_bind = upstream::upstream_bind_label(*s);
    auto flight = std::move(p.flight);
    ledger_.accept(std::move(p.record), [self = shared_from_this(), s = std::move(s), seq, flight, answer](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        auto& ex = s->get_executor();
        boost::asio::post(ex, [self = std::move(self), s = std::move(s), seq, flight = std::move(flight),
                               st = std::move(st), answer]() mutable {
            if (!st.ok()) {
                self->abandon(*flight);
                self->counters_.refused.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("message {} not stored: {}", flight->id.to_string(), st.to_string());
                return s->respond(answer(submit_sm_resp(seq, status_for(st))));
            }
            self->counters_.accepted.fetch_add(1, std::memory_order_relaxed);
            s->respond(answer(submit_sm_resp(seq, command_status::ESME_ROK, flight->id.to_string())));
            self->start_behind(s->get_executor(), {std::move(flight)});
        });
    });
}

void ForwardPath::start(std::shared_ptr<Flight> f, store::MessageId upstream_id) {
    f->upstream_id = upstream_id;
    if (f->born_sending) {
        // Stored as `sending` already: straight to its first carrier, and
        // beyond cancel_sm's and replace_sm's reach, like any message a
        // carrier may have. Listed only if that carrier refuses it
        // (on_outcome): not a map insert and erase for every message.
        const auto carrier_id = f->candidates.front();
        return submit_to(std::move(f), carrier_id);
    }
    list_held(*f);
    proceed(std::move(f));
}

void ForwardPath::list_held(const Flight& f) {
    held_.hold(f.account, f.id,
               HeldMessage{.source = f.pdu.source.addr,
                           .destination = f.pdu.dest.addr,
                           .service_type = f.pdu.service_type,
                           .upstream_id = f.upstream_id});
}

void ForwardPath::start_behind(const boost::asio::any_io_executor& ex, std::vector<std::shared_ptr<Flight>> flights,
                               store::MessageId upstream_id) {
    boost::asio::post(ex, [self = shared_from_this(), flights = std::move(flights), upstream_id]() mutable {
        for (auto& f : flights) self->start(std::move(f), upstream_id);
    });
}

store::Timestamp ForwardPath::hold_until(store::Timestamp accepted_at) const {
    if (settings_.max_hold.count() == 0 || accepted_at == store::Timestamp{}) return {};
    return accepted_at + settings_.max_hold;
}

bool ForwardPath::past_deadline(const Flight& f, store::Timestamp now) {
    const auto deadline = f.expires_at != store::Timestamp{} ? f.expires_at : f.hold_until;
    return deadline != store::Timestamp{} && deadline <= now;
}

void ForwardPath::proceed(std::shared_ptr<Flight> f) {
    const auto now = now_ms();
    if (past_deadline(*f, now)) return expire(std::move(f));
    if (f->deliver_at > now) return sleep_until(std::move(f), f->deliver_at);
    dispatch(std::move(f));
}

void ForwardPath::sleep_until(std::shared_ptr<Flight> f, store::Timestamp when) {
    if (stopping_.load()) return;  // recover() resumes the wait
    // Its own strand: the waker (cancel_sm, replace_sm, any thread) posts
    // the timer's cancel there, never racing the timer's completion.
    auto timer = std::make_shared<boost::asio::steady_timer>(boost::asio::make_strand(ex_));
    timer->expires_after(std::max(std::chrono::milliseconds{0}, when - now_ms()));
    const auto id = f->id;
    const auto account = f->account;
    timer->async_wait([self = shared_from_this(), f = std::move(f), timer](boost::system::error_code) mutable {
        // Woken early or on time alike: resume_held decides from the record.
        if (self->stopping_.load()) return;
        boost::asio::post(self->ex_, [self, f = std::move(f)]() mutable { self->resume_held(std::move(f)); });
    });
    held_.set_waker(account, id, [timer] {
        boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    });
}

void ForwardPath::resume_held(std::shared_ptr<Flight> f) {
    if (stopping_.load()) return;
    outage_.remove(f->id);  // woken early or on time: its round starts now
    auto record = ledger_.find(f->id);
    if (!record.ok()) {
        counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("message {}: record unreadable ({}); trying again later", f->id.to_string(),
                      record.status().to_string());
        if (record.status().code() == StatusCode::not_found) return release(*f);
        return sleep_until(std::move(f), now_ms() + settings_.retry_base);
    }
    if (store::is_final(record->status)) {
        spdlog::info("message {} is {}; not sent", f->id.to_string(), store::name(record->status));
        return release(*f);
    }
    if (record->revision != f->revision) {
        // replace_sm: the new text, and the times it may have moved.
        f->revision = record->revision;
        set_payload(f->pdu, record->payload);
        f->segments = record->segment_count;
        f->pdu.registered_delivery = record->registered_delivery;
        f->expires_at = record->expires_at;
        stamp_times(f->pdu, f->expires_at);
        // A new schedule moves the hold with it.
        if (f->hold_until != store::Timestamp{})
            f->hold_until = std::max(f->hold_until, hold_until(record->retry_at));
    }
    f->deliver_at = record->retry_at;
    // Woken because a carrier of its route is back: the retry it slept
    // towards starts now (a schedule replace_sm set meanwhile still holds).
    if (f->carrier_back.exchange(false) && record->retry_at == f->retry_at) f->deliver_at = now_ms();
    proceed(std::move(f));
}

void ForwardPath::expire(std::shared_ptr<Flight> f) {
    const auto at = now_ms();
    // No carrier has it (a failed attempt's price does not stick).
    store::StateChange change{.status = MessageStatus::expired,
                              .at = at,
                              .cost_micros = 0,
                              .only_from = {MessageStatus::accepted, MessageStatus::queued}};
    ledger_.update(f->id, std::move(change), [self = shared_from_this(), f](store::Status st) mutable {
        if (st.ok()) {
            self->counters_.expired.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("message {} expired before a carrier took it", f->id.to_string());
            if (self->settings_.receipt_owed) self->settings_.receipt_owed(f->account);
            return self->release(*f);
        }
        if (st.code() == StatusCode::failed_precondition) return self->release(*f);  // final meanwhile
        boost::asio::post(self->ex_, [self, f = std::move(f)]() mutable { self->resume_held(std::move(f)); });
    });
}

void ForwardPath::resume(store::MessageRecord record) { resume(std::move(record), ResumeAs{}); }

bool ForwardPath::resend_in_doubt(store::MessageRecord record) {
    const auto id = record.id.to_string();
    const auto sends = in_doubt_sends(record);
    if (sends > in_doubt_resends) {
        spdlog::warn("message {}: in doubt after {} sends; not sent again (in_doubt: resend sends it {} more time(s)); "
                     "it stays in doubt",
                     id, sends, in_doubt_resends);
        return false;
    }
    spdlog::warn("message {}: in doubt; sent again (its account says in_doubt: resend), with the duplicate risk on "
                 "its record",
                 id);
    resume(std::move(record), ResumeAs{.duplicate_risk = true});
    return true;
}

void ForwardPath::resume(store::MessageRecord record, const ResumeAs& as) {
    auto flight = std::make_shared<Flight>();
    flight->duplicate_risk = as.duplicate_risk;
    flight->id = record.id;
    flight->account = record.account;
    flight->pdu = submit_sm_of(record);
    flight->revision = record.revision;
    flight->deliver_at = record.retry_at;
    flight->expires_at = record.expires_at;
    flight->segments = record.segment_count;
    stamp_times(flight->pdu, flight->expires_at);
    const auto account_routing = routing_of(settings_.accounts, record.account);
    flight->cls = account_routing.cls;
    // A receipt-timeout re-send (resend()) that a restart caught before a
    // second carrier took it: the carriers that gave it a message_id have
    // it, so it goes only through the others, as resend() chose; and like
    // resend() it is neither held nor in the backlog.
    const auto had = carriers_with_id(record);
    if (had.empty()) {
        // Only a message no carrier has can run out of max_hold.
        flight->hold_until = hold_until(std::max(record.accepted_at, record.retry_at));
        // Resumed messages count in without a limit: they already have ESME_ROK.
        if (auto* b = backlog_of(record.account)) {
            b->size.fetch_add(1, std::memory_order_relaxed);
            flight->backlog = b;
        }
        flight->held.store(true);
        held_.hold(record.account, record.id,
                   HeldMessage{.source = record.source.address,
                               .destination = record.destination.address,
                               .service_type = record.service_type,
                               .upstream_id = record.upstream_id});
    }
    const auto digits = routing::normalise_e164(record.destination.address);
    routing::Decision match;
    if (digits)
        match = router_->select(select_request(*digits, record.source.address, record.source.ton, record.data_coding,
                                               parts_of(record.segment_count,
                                                        record.concatenation ? record.concatenation->total : 0),
                                               record.payload.size() >= protocol::limits::short_message,
                                               account_routing));
    if (!had.empty()) {
        drop_carriers(match, had);
        if (match.carriers.empty()) return back_to_sent(std::move(record));
    }
    const auto& concatenation = record.concatenation;
    if (concatenation && concatenation->total > 1 && parts_.enabled() && had.empty())
        if (auto pin = parts_.pin(ConcatKey{record.account, record.source.address, record.destination.address,
                                            concatenation->reference, concatenation->total},
                                  PartAffinity::clock::now()))
            keep_pinned(*pin, match);
    wait_for_cut_carriers(match);
    if (!match.routed()) {
        // Routes changed since it was accepted; it stays tracked and waits
        // for the next round (a route may come back with a reload).
        flight->last_status = static_cast<std::uint32_t>(command_status::ESME_RINVDSTADR);
        return retry_later(std::move(flight));
    }
    flight->candidates = std::move(match.carriers);
    flight->costs = std::move(match.costs);
    flight->country = match.country;
    if (!as.refused_by.empty()) {
        const auto at = std::find(flight->candidates.begin(), flight->candidates.end(), as.refused_by);
        if (at != flight->candidates.end())
            flight->next = static_cast<std::size_t>(at - flight->candidates.begin()) + 1;
        flight->last_status = static_cast<std::uint32_t>(as.refusal);
        flight->answered = !carrier::is_throttling(as.refusal);
    }
    // Pins live in memory. After a restart seed_taken_parts() has pinned,
    // as taken, the carriers that hold siblings of this part; failing that,
    // the record's route says where its part was to go when it was accepted
    // (its siblings' carrier, if one was pinned by then), and the first part
    // resumed pins that for the others, not as taken: none was.
    if (const auto& c = record.concatenation; c && c->total > 1 && parts_.enabled()) {
        flight->part = ConcatKey{record.account, record.source.address, record.destination.address, c->reference,
                                 c->total};
        flight->part_seqnum = c->number;
        const auto now = PartAffinity::clock::now();
        if (!parts_.pin(*flight->part, now) &&
            std::find(flight->candidates.begin(), flight->candidates.end(), record.route.carrier) !=
                flight->candidates.end())
            parts_.route(*flight->part, record.route.carrier, now);
    }
    proceed(std::move(flight));
}

std::size_t ForwardPath::seed_taken_parts(const std::vector<store::TakenPart>& parts, store::Timestamp now) {
    if (!parts_.enabled()) return 0;
    const auto steady_now = PartAffinity::clock::now();
    std::size_t seeded = 0;
    for (const auto& t : parts) {
        // The pin lapses concat_window after the part went, as it would have
        // without the restart (a clock set back counts as just now).
        const auto age = std::max(now - t.at, std::chrono::milliseconds{0});
        if (age >= settings_.concat_window) continue;
        const ConcatKey key{t.account, t.source, t.destination, t.part.reference, t.part.total};
        // An in doubt part pins its carrier but is not counted as taken: it
        // may be resent (in_doubt: resend), and its siblings must still
        // find the pin then.
        if (!parts_.taken(key, t.in_doubt ? 0 : t.part.number, t.carrier, steady_now - age))
            spdlog::warn("message {}/{} ref {}: parts were already with two carriers before the restart ({} last)",
                         t.account, t.destination, t.part.reference, t.carrier);
        ++seeded;
    }
    return seeded;
}

void ForwardPath::back_to_sent(store::MessageRecord record) {
    // No other carrier is left for it (the route changed, or that carrier
    // is gone): it waits for the receipt of the carrier that has it, and
    // the receipt timeout, seeing duplicate_risk, reports it next time.
    spdlog::warn("message {}: no carrier left to re-send it through after the restart; awaiting its receipt",
                 record.id.to_string());
    store::StateChange back{.status = MessageStatus::sent,
                            .at = now_ms(),
                            .only_from = {MessageStatus::queued, MessageStatus::in_doubt}};
    ledger_.update(record.id, std::move(back), log_failure("sent (re-send abandoned)", record.id.to_string()));
}

void ForwardPath::dispatch(std::shared_ptr<Flight> f) {
    using taken = Credits::taken;
    // Each round starts with the carrier its sibling parts went through.
    if (f->next == 0 && f->part) follow_siblings(*f->part, f->candidates, f->costs);
    while (f->next < f->candidates.size()) {
        const std::string& carrier_id = f->candidates[f->next];
        auto it = credits_.find(carrier_id);
        if (it == credits_.end()) {
            // conf/ checks route carriers against the carriers file; a gap
            // here is a programming error, not a reason to lose the message.
            spdlog::error("message {}: route names carrier {} which is not running", f->id.to_string(), carrier_id);
            pass_over(*f, carrier_id, "not running");
            ++f->next;
            continue;
        }
        if (const char* why = part_may_not_go(*f, carrier_id)) {
            // Another carrier took (or may take) a sibling part: this one
            // waits for it (retry rounds) rather than reach the handset
            // another way.
            spdlog::debug("message {}: not via {}: {}", f->id.to_string(), carrier_id, why);
            pass_over(*f, carrier_id, why);
            ++f->next;
            continue;
        }
        if (!accepting(carrier_id)) {
            // Disabled, a backup, or no bind up: it would refuse. Passed over
            // without a `sending` write (a race still ends in its refusal).
            spdlog::debug("message {}: carrier {} takes no submits now; next carrier", f->id.to_string(), carrier_id);
            pass_over(*f, carrier_id, refusing_why(carrier_id));
            ++f->next;
            continue;
        }
        switch (it->second->take(f->cls, f, Credits::clock::now())) {
            case taken::granted:
                f->credit = it->second.get();
                return send_via(std::move(f));
            case taken::waiting:
                // granted() picks it up; the record is accepted/queued
                // meanwhile, so a crash leaves it to be resumed, not in
                // doubt, and its deadline can expire it.
                queue_after_refusal(*f);
                return arm_sweep();
            case taken::full:
                spdlog::debug("message {}: carrier {} has a full queue; next carrier", f->id.to_string(), carrier_id);
                pass_over(*f, carrier_id, "queue full");
                break;
            case taken::stalled:
                spdlog::debug("message {}: carrier {} is stalled; next carrier", f->id.to_string(), carrier_id);
                pass_over(*f, carrier_id, "stalled");
                break;
        }
        ++f->next;
    }
    retry_later(std::move(f));
}

void ForwardPath::queue_after_refusal(Flight& f) {
    // Still `sending` to the carrier that just refused it (it never left
    // us): back to queued with that attempt closed. The ledger keeps the
    // order, so the `sending` of whichever carrier grants it later is
    // written after this.
    auto refused = std::exchange(f.unrecorded_refusal, std::nullopt);
    if (!refused) return;
    ledger_.update(f.id,
                   store::StateChange{.status = MessageStatus::queued,
                                      .at = now_ms(),
                                      .only_from = {MessageStatus::sending},
                                      .last_attempt_refused = refused,
                                      .last_attempt_bind = std::exchange(f.unrecorded_refusal_bind, std::string())},
                   log_failure("queued (waiting for a carrier's credit)", f.id.to_string()));
}

void ForwardPath::abandon(Flight& f) {
    // Born `sending` with a credit, a part departed for its first carrier
    // in prepare(): it goes nowhere now.
    if (f.born_sending && f.part) parts_.answered(*f.part, f.candidates.front());
    give_back(f);
    release(f);
}

void ForwardPath::give_back(Flight& f) {
    auto* gate = std::exchange(f.credit, nullptr);
    if (!gate) return;
    // Stopping: no waiter is handed a credit (the records stay accepted or
    // queued, and the next start resumes them).
    if (auto next = gate->give_back(Credits::clock::now(), !stopping_.load())) {
        (*next)->credit = gate;
        boost::asio::post(ex_, [self = shared_from_this(), w = std::move(*next)]() mutable {
            self->granted(std::move(w));
        });
    }
}

void ForwardPath::granted(std::shared_ptr<Flight> f) {
    // Stopping: it stays accepted/queued, and recover() resumes it.
    if (stopping_.load()) return give_back(*f);
    // It may have waited long: its validity is checked again.
    if (past_deadline(*f, now_ms())) {
        give_back(*f);
        return expire(std::move(f));
    }
    // Disabled (or unbound) while it waited: on to the next carrier, without
    // a `sending` write its refusal would only undo.
    if (!accepting(f->candidates[f->next])) {
        give_back(*f);
        pass_over(*f, f->candidates[f->next], refusing_why(f->candidates[f->next]));
        ++f->next;
        return dispatch(std::move(f));
    }
    // A sibling part went (or is going) elsewhere while it waited:
    // send_via() checks.
    send_via(std::move(f));
}

void ForwardPath::arm_sweep() {
    if (stopping_.load() || sweep_armed_.exchange(true)) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(ex_);
    timer->expires_after(std::clamp(settings_.carrier_stall / 4, std::chrono::milliseconds{10},
                                    std::chrono::milliseconds{1'000}));
    timer->async_wait([self = shared_from_this(), timer](boost::system::error_code) { self->sweep(); });
}

void ForwardPath::sweep() {
    // Cleared first: a waiter queued from here on arms the next sweep itself.
    sweep_armed_.store(false);
    if (stopping_.load()) return;
    const auto now = Credits::clock::now();
    bool anyone_waits = false;
    for (const auto& [carrier_id, gate] : credits_) {
        auto back = gate->overdue(now);
        if (!back.empty())
            spdlog::warn("carrier {}: no answer for {} ms with all its {} credits in use; {} message(s) waiting "
                         "for it go to their route's next carrier",
                         carrier_id, settings_.carrier_stall.count(), gate->counts(now).credits, back.size());
        for (auto& f : back) {
            pass_over(*f, carrier_id, "stalled");
            ++f->next;
            boost::asio::post(ex_, [self = shared_from_this(), f = std::move(f)]() mutable {
                self->dispatch(std::move(f));
            });
        }
        anyone_waits = anyone_waits || gate->waiting() > 0;
    }
    if (anyone_waits) arm_sweep();
}

void ForwardPath::arm_watch() {
    if (stopping_.load() || watch_armed_.exchange(true)) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(ex_);
    timer->expires_after(std::chrono::milliseconds{100});
    timer->async_wait([self = shared_from_this(), timer](boost::system::error_code) { self->watch_outage(); });
}

void ForwardPath::watch_outage() {
    // Cleared first: a waiter added from here on arms the next watch itself.
    watch_armed_.store(false);
    if (stopping_.load()) return;
    // A bounded batch per carrier and tick: a backlog of thousands resumes
    // over a few seconds (each wake reads its record), not in one burst.
    constexpr std::size_t batch = 1'000;
    for (const auto& carrier_id : outage_.awaited()) {
        if (!accepting(carrier_id)) continue;
        auto wake = outage_.back(carrier_id, batch);
        if (wake.size() > 0)
            spdlog::debug("carrier {} takes submits again: {} message(s) that waited for it go now", carrier_id,
                          wake.size());
        for (const auto& w : wake) w();
    }
    if (outage_.size() > 0) arm_watch();
}

void ForwardPath::send_via(std::shared_ptr<Flight> f) {
    const std::string& carrier_id = f->candidates[f->next];
    if (f->part) {
        // The last word on where a part goes, under the pins' lock: a
        // sibling may have left for another carrier since dispatch() looked
        // (on another thread, or while this one waited for a credit).
        if (const char* why = parts_.depart(*f->part, carrier_id, f->candidates, PartAffinity::clock::now())) {
            spdlog::debug("message {}: not via {}: {}", f->id.to_string(), carrier_id, why);
            give_back(*f);
            pass_over(*f, carrier_id, why);
            ++f->next;
            return dispatch(std::move(f));
        }
    }
    // `sending` is durable before the submit_sm leaves us: after a crash,
    // recover() turns it into in_doubt instead of resending a message the
    // carrier may already have (nothing doubled without the account's say).
    const auto at = now_ms();
    store::StateChange sending{
        .status = MessageStatus::sending,
        .at = at,
        .attempt = store::Attempt{.carrier = carrier_id, .at = at, .status = MessageStatus::sending},
        .cost_micros = cost_of(*f, f->next),
        .only_revision = f->revision,
        .duplicate_risk = f->duplicate_risk,
        .last_attempt_refused = std::exchange(f->unrecorded_refusal, std::nullopt),
        .last_attempt_bind = std::exchange(f->unrecorded_refusal_bind, std::string()),
        .passed_over = passed_note(*f)};
    ledger_.update(f->id, std::move(sending), [self = shared_from_this(), f, carrier_id](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        boost::asio::post(self->ex_, [self, f = std::move(f), carrier_id, st = std::move(st)]() mutable {
            if (!st.ok()) {
                self->give_back(*f);  // it does not go to the carrier now
                if (f->part) self->parts_.answered(*f->part, carrier_id);  // nor is it on its way there
            }
            if (st.code() == StatusCode::failed_precondition) {
                // Final meanwhile (cancel_sm): nothing left to send.
                spdlog::info("message {} is final ({}); not sent", f->id.to_string(), st.to_string());
                return self->release(*f);
            }
            if (st.code() == StatusCode::aborted) return self->resume_held(std::move(f));  // replace_sm
            if (!st.ok()) {
                self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
                spdlog::error("message {}: 'sending' not stored ({}); not submitting now",
                              f->id.to_string(), st.to_string());
                return self->retry_later(std::move(f));
            }
            self->submit_to(std::move(f), carrier_id);
        });
    });
}

void ForwardPath::submit_to(std::shared_ptr<Flight> f, const std::string& carrier_id) {
    auto it = carriers_.find(carrier_id);
    // A carrier that takes no message_payload gets a text that fits in
    // short_message there (routing passed it over only for longer ones), as
    // a resumed record always goes.
    if (!it->second->settings().accepts_message_payload)
        if (auto p = f->pdu.tlvs.message_payload(); p && p->size() < protocol::limits::short_message) {
            f->pdu.short_message = std::string(*p);
            f->pdu.tlvs.erase(protocol::tlv_tag::message_payload);
        }
    // The carrier is always asked for a receipt, whatever the upstream
    // asked (the record keeps that, and it alone decides what goes
    // upstream): without one the ledger never learns the outcome, and the
    // receipt timeout would act on silence nobody asked to break (re-send
    // a delivered otp message, report a delivered rd=2 message UNKNOWN).
    protocol::SubmitSm sm = f->pdu;
    sm.registered_delivery = forward::carrier_registered_delivery(sm.registered_delivery);
    carrier::SubmitRequest request{f->id.to_string(), f->cls, std::move(sm)};
    f->submitted_at = std::chrono::steady_clock::now();
    // A part is on its way since send_via()'s depart(); answered in on_outcome.
    it->second->submit(std::move(request), [self = shared_from_this(), f, carrier_id](carrier::SubmitOutcome o) {
        self->on_outcome(std::move(f), carrier_id, std::move(o));
    });
}

void ForwardPath::resend_in_doubt_later(store::MessageId id, store::Timestamp in_doubt_at) {
    if (stopping_.load()) return;
    auto timer = std::make_shared<boost::asio::steady_timer>(ex_);
    timer->expires_after(settings_.in_doubt_resend_after);
    timer->async_wait([self = shared_from_this(), timer, id, in_doubt_at](boost::system::error_code ec) {
        if (ec || self->stopping_.load()) return;  // a restart's recovery resends it instead
        auto record = self->ledger_.find(id);
        if (!record.ok()) return self->log_failure("in_doubt resend", id.to_string())(record.status());
        if (record->status != MessageStatus::in_doubt) return;  // a late answer or a receipt settled it
        // In doubt again from a later send (a late refusal sent it on): that
        // one's own timer decides, once its carrier's late answer had time.
        if (record->attempts.empty() || record->attempts.back().at != in_doubt_at ||
            record->attempts.back().status != MessageStatus::in_doubt)
            return;
        self->resend_in_doubt(std::move(*record));
    });
}

void ForwardPath::on_late_refusal(const std::string& carrier_id, const std::string& id,
                                  const carrier::SubmitOutcome& outcome) {
    // A late answer is a response: a refusal, or a generic_nack read as one.
    const auto* transient = std::get_if<carrier::Transient>(&outcome);
    const auto* permanent = std::get_if<carrier::Permanent>(&outcome);
    if (!transient && !permanent) return;
    const auto message = store::MessageId::parse(id);
    if (!message) return;
    auto record = ledger_.find(*message);
    if (!record.ok()) return log_failure("late refusal", id)(record.status());
    const auto status = transient ? transient->status : permanent->status;
    const auto code = static_cast<std::uint32_t>(status);
    store::LateRefusal late{.carrier = carrier_id,
                            .attempt_status = permanent ? MessageStatus::rejected : MessageStatus::failed,
                            .command_status = code,
                            .bind = transient ? transient->bind : permanent->bind};
    // Only while it is still in doubt from that attempt (the ledger checks
    // that nothing went out since; its in doubt write may still be queued,
    // and the ledger applies the two in order). The carrier names the
    // message, not the attempt: with in_doubt_resend_after longer than the
    // late answers' window, a late answer is the newest attempt's.
    store::StateChange change{.status = permanent ? MessageStatus::rejected : MessageStatus::queued,
                              .at = now_ms(),
                              .only_from = {MessageStatus::in_doubt},
                              .late_refusal = late};
    if (permanent) {
        change.error_code = code;
        change.cost_micros = 0;  // refused: nobody bills it
    }
    ledger_.update(*message, std::move(change), [self = shared_from_this(), message = *message, id, carrier_id, late,
                                                 account = record->account, status,
                                                 permanent = permanent != nullptr](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        boost::asio::post(self->ex_, [self, message, id, carrier_id, late, account, status, permanent,
                                      st = std::move(st)]() mutable {
            if (st.code() == StatusCode::failed_precondition) {
                // Sent again since (or final by now): the old attempt only,
                // as the carrier answered it.
                spdlog::warn("message {}: carrier {} refused it after its response_timeout ({}); it was sent again "
                             "since, or is final: that attempt noted, nothing else changes",
                             id, carrier_id, protocol::name(status));
                late.only_attempt = true;
                return self->ledger_.update(message, store::StateChange{.at = now_ms(), .late_refusal = late},
                                            [](store::Status) {});  // final by now, or never in doubt there
            }
            if (!st.ok()) return self->log_failure("late refusal", id)(std::move(st));
            if (permanent) {
                self->counters_.rejected.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("message {}: carrier {} refused it for good after its response_timeout ({}): rejected, "
                             "no longer in doubt",
                             id, carrier_id, protocol::name(status));
                if (self->settings_.receipt_owed) self->settings_.receipt_owed(account);
                return;
            }
            spdlog::warn("message {}: carrier {} refused it for now after its response_timeout ({}): it did not take "
                         "it, so it goes on",
                         id, carrier_id, protocol::name(status));
            if (self->stopping_.load()) return;  // queued: the next start resumes it
            auto record = self->ledger_.find(message);
            if (!record.ok()) return self->log_failure("late refusal", id)(record.status());
            if (record->status != MessageStatus::queued) return;  // cancel_sm got it meanwhile
            self->resume(std::move(*record), ResumeAs{.refused_by = carrier_id, .refusal = status});
        });
    });
}

void ForwardPath::on_late(const std::string& carrier_id, const std::string& id, carrier::SubmitOutcome outcome) {
    auto* sent = std::get_if<carrier::Sent>(&outcome);
    if (!sent) return on_late_refusal(carrier_id, id, outcome);
    const auto message = store::MessageId::parse(id);
    if (!message) return;
    // Only the record this carrier's timeout made in doubt changes: its in
    // doubt write may still be queued (then it is `sending` here, and the
    // ledger applies the two in order).
    auto record = ledger_.find(*message);
    if (!record.ok()) return log_failure("late sent", id)(record.status());
    const bool ours = !record->attempts.empty() && record->attempts.back().carrier == carrier_id &&
                      (record->status == MessageStatus::in_doubt || record->status == MessageStatus::sending);
    if (!ours) {
        spdlog::warn("message {}: carrier {} took it after its response_timeout (message_id '{}'), but the record is "
                     "{} by now; left as it is",
                     id, carrier_id, sent->carrier_message_id, store::name(record->status));
        return;
    }
    counters_.late_sent.fetch_add(1, std::memory_order_relaxed);
    if (const auto& c = record->concatenation; c && c->total > 1)
        parts_.taken(ConcatKey{record->account, record->source.address, record->destination.address, c->reference,
                               c->total},
                     c->number, carrier_id, PartAffinity::clock::now());
    auto ids = settings_.carrier_ids.find(carrier_id);
    auto key = index_key(sent->carrier_message_id, ids == settings_.carrier_ids.end() ? CarrierIdSettings{} : ids->second);
    spdlog::warn("message {}: carrier {} took it after its response_timeout (message_id '{}'): sent, no longer in doubt",
                 id, carrier_id, sent->carrier_message_id);
    ledger_.sent(*message, carrier_id, sent->bind, sent->carrier_message_id, key.value_or(std::string{}), now_ms(),
                 log_failure("late sent", id));
}

void ForwardPath::on_outcome(std::shared_ptr<Flight> f, const std::string& carrier_id,
                             carrier::SubmitOutcome outcome) {
    const auto at = now_ms();
    const auto id = f->id.to_string();
    give_back(*f);  // the carrier is done with it, whatever the outcome
    // A part the carrier took, or may have (in doubt), is marked so in the
    // same step that ends its being on the way there.
    bool joined = true;
    if (f->part) {
        const auto now = PartAffinity::clock::now();
        if (std::holds_alternative<carrier::Sent>(outcome))
            joined = parts_.answered_taken(*f->part, f->part_seqnum, carrier_id, now);
        else if (std::holds_alternative<carrier::InDoubt>(outcome))
            joined = parts_.answered_taken(*f->part, 0, carrier_id, now);
        else
            parts_.answered(*f->part, carrier_id);
    }
    report_health(*f, carrier_id, outcome);
    if (!std::holds_alternative<carrier::Transient>(outcome) && !std::holds_alternative<carrier::Refused>(outcome))
        release(*f);
    if (auto* sent = std::get_if<carrier::Sent>(&outcome)) {
        counters_.sent.fetch_add(1, std::memory_order_relaxed);
        if (!joined)
            spdlog::warn("message {}: part {} of {} went through {}, other parts through another carrier; the "
                         "handset may not join them",
                         id, f->part_seqnum, f->part->total, carrier_id);
        auto ids = settings_.carrier_ids.find(carrier_id);
        auto key = index_key(sent->carrier_message_id,
                             ids == settings_.carrier_ids.end() ? CarrierIdSettings{} : ids->second);
        if (sent->carrier_message_id.empty())
            spdlog::warn("message {}: carrier {} answered ESME_ROK without a message_id: sent, but no receipt can be "
                         "matched to it",
                         id, carrier_id);
        else if (!key)
            spdlog::warn("message {}: carrier {} answered with message_id '{}', which no receipt can be matched to",
                         id, carrier_id, sent->carrier_message_id);
        return ledger_.sent(f->id, carrier_id, sent->bind, sent->carrier_message_id, key.value_or(std::string{}), at,
                            log_failure("sent", id));
    }
    if (auto* p = std::get_if<carrier::Permanent>(&outcome)) {
        counters_.rejected.fetch_add(1, std::memory_order_relaxed);
        const auto code = static_cast<std::uint32_t>(p->status);
        store::StateChange change{.status = MessageStatus::rejected,
                                  .at = at,
                                  .attempt = store::Attempt{.carrier = carrier_id,
                                                            .bind = p->bind,
                                                            .at = at,
                                                            .status = MessageStatus::rejected,
                                                            .command_status = code},
                                  .error_code = code,
                                  .cost_micros = 0};  // refused: nobody bills it
        return ledger_.update(f->id, std::move(change), final_written("rejected", id, f->account));
    }
    if (std::holds_alternative<carrier::InDoubt>(outcome)) {
        counters_.in_doubt.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("message {} in doubt at {}: {}", id, carrier_id, carrier::describe(outcome));
        // The carrier may have this part: its siblings go there too (not
        // counted as taken; a late ESME_ROK or a receipt says more).
        if (!joined)
            spdlog::warn("message {}: part {} of {} is in doubt at {}, other parts went through another carrier; "
                         "the handset may not join them",
                         id, f->part_seqnum, f->part->total, carrier_id);
        store::StateChange change{
            .status = MessageStatus::in_doubt,
            .at = at,
            .attempt = store::Attempt{.carrier = carrier_id,
                                      .bind = std::get<carrier::InDoubt>(outcome).bind,
                                      .at = at,
                                      .status = MessageStatus::in_doubt}};
        const auto* account = settings_.accounts.find(f->account);
        if (!account || account->in_doubt != upstream::in_doubt_policy::resend ||
            settings_.in_doubt_resend_after.count() <= 0)
            return ledger_.update(f->id, std::move(change), log_failure("in_doubt", id));
        return ledger_.update(f->id, std::move(change),
                              [self = shared_from_this(), message = f->id, id, at](store::Status st) {
                                  if (!st.ok()) return self->log_failure("in_doubt", id)(std::move(st));
                                  self->resend_in_doubt_later(message, at);
                              });
    }
    // Transient, or refused before it left us: the next carrier, or later.
    if (auto* t = std::get_if<carrier::Transient>(&outcome)) {
        f->last_status = static_cast<std::uint32_t>(t->status);
        // This round counts towards max_retry_rounds, unless the carrier
        // only said it is busy (ESME_RTHROTTLED / ESME_RMSGQFUL after the
        // carrier actor's own retries): twenty busy minutes at a carrier
        // must not fail a message; its validity or max_hold ends the wait.
        f->answered = !carrier::is_throttling(t->status);
    }
    f->unrecorded_refusal = std::holds_alternative<carrier::Transient>(outcome)
                                ? static_cast<std::uint32_t>(std::get<carrier::Transient>(outcome).status)
                                : 0;
    f->unrecorded_refusal_bind =
        std::holds_alternative<carrier::Transient>(outcome) ? std::get<carrier::Transient>(outcome).bind : std::string();
    spdlog::debug("message {} not taken by {}: {}", id, carrier_id, carrier::describe(outcome));
    // Born `sending` and refused by that first carrier: from now on it waits
    // like any held message, within reach of cancel_sm and replace_sm (once
    // it is queued again) and woken when a carrier that was down is back.
    if (std::exchange(f->born_sending, false) && f->held.load()) list_held(*f);
    // Stopping (the carriers refuse what they still queue): no other
    // carrier now; retry_later() leaves it for the next start.
    if (stopping_.load()) return retry_later(std::move(f));
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
    if (stopping_.load()) {
        // Stopping: recover() resumes the record on the next start. One a
        // carrier just refused still says `sending` to it (it never left
        // us): back to queued with that attempt closed, or the next start
        // would call it in doubt.
        return queue_after_refusal(*f);
    }
    const auto id = f->id.to_string();
    const auto at = now_ms();
    const bool answered = std::exchange(f->answered, false);
    if (answered) ++f->answered_rounds;
    if (f->answered_rounds > settings_.max_retry_rounds) {
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        release(*f);
        spdlog::warn("message {} failed: {} rounds of carriers' error answers", id, f->answered_rounds);
        store::StateChange change{.status = MessageStatus::failed,
                                  .at = at,
                                  .error_code = f->last_status,
                                  .cost_micros = 0,
                                  .last_attempt_refused = std::exchange(f->unrecorded_refusal, std::nullopt),
                                  .last_attempt_bind = std::exchange(f->unrecorded_refusal_bind, std::string()),
                                  .passed_over = passed_note(*f)};
        return ledger_.update(f->id, std::move(change), final_written("failed", id, f->account));
    }
    // The refusal that sends it to a retry goes on its attempt first, and
    // the carriers passed over on the route reason (the ledger keeps the
    // order: the retry below is written after it).
    auto refused = std::exchange(f->unrecorded_refusal, std::nullopt);
    if (refused || !f->passed.empty())
        ledger_.update(f->id,
                       store::StateChange{.status = MessageStatus::queued,
                                          .at = at,
                                          .only_from = refused ? std::vector<MessageStatus>{}
                                                               : std::vector<MessageStatus>{MessageStatus::accepted,
                                                                                            MessageStatus::queued},
                                          .last_attempt_refused = refused,
                                          .last_attempt_bind = std::exchange(f->unrecorded_refusal_bind, std::string()),
                                          .passed_over = passed_note(*f)},
                       [](store::Status) {});  // final meanwhile (cancel_sm): nothing to note
    auto delay = settings_.retry_base;
    for (std::uint32_t i = 0; i < f->rounds && delay < settings_.retry_max; ++i) delay *= 2;
    delay = std::min(delay, settings_.retry_max);
    // Only refusals (carriers down, disabled, stalled): back soon after
    // they are, rather than up to retry_max later.
    if (!answered) delay = std::min(delay, std::max(settings_.outage_retry_max, settings_.retry_base));
    ++f->rounds;
    counters_.retries.fetch_add(1, std::memory_order_relaxed);
    const auto when = at + delay;
    ledger_.schedule_retry(f->id, when, [self = shared_from_this(), f, when, answered](store::Status st) mutable {
        if (st.code() == StatusCode::failed_precondition) return self->release(*f);  // final meanwhile (cancel_sm)
        if (!st.ok()) {
            self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("message {}: retry not stored ({}); retrying anyway", f->id.to_string(), st.to_string());
        }
        boost::asio::post(self->ex_, [self, f = std::move(f), when, answered]() mutable {
            f->next = 0;
            f->retry_at = when;
            // A round of refusals only: listed under the carriers that take
            // no submits now (down, disabled, a backup), it goes as soon as
            // one of them does. One only stalled or full keeps its timer, and
            // so does a re-send (not held: no waker).
            std::vector<std::string> down;
            if (!answered && f->held.load())
                for (const auto& c : f->candidates)
                    if (!self->accepting(c)) down.push_back(c);
            const auto id = f->id;
            OutageWaiters::Waker wake = [weak = std::weak_ptr<ForwardPath>(self), wf = std::weak_ptr<Flight>(f),
                                         account = f->account, id] {
                auto self = weak.lock();
                auto f = wf.lock();
                if (!self || !f) return;
                f->carrier_back.store(true);
                self->held_.wake(account, id);
            };
            // Asleep (its waker set) before it is listed: a wake never
            // finds it between the two.
            self->sleep_until(std::move(f), when);
            if (down.empty()) return;
            self->outage_.add(id, down, std::move(wake));
            self->arm_watch();
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

store::Completion ForwardPath::final_written(std::string what, std::string id, std::string account) {
    return [self = shared_from_this(), what = std::move(what), id = std::move(id),
            account = std::move(account)](store::Status st) {
        if (!st.ok()) {
            self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
            return spdlog::error("message {}: ledger write '{}' failed: {}", id, what, st.to_string());
        }
        if (self->settings_.receipt_owed) self->settings_.receipt_owed(account);
    };
}

ForwardCounters ForwardPath::counters() const {
    auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(counters_.accepted), get(counters_.refused),  get(counters_.sent),    get(counters_.retries),
            get(counters_.rejected), get(counters_.in_doubt), get(counters_.failed), get(counters_.ledger_errors),
            get(counters_.expired),  get(counters_.cancelled), get(counters_.replaced), get(counters_.split),
            get(counters_.late_sent)};
}

bool ForwardPath::resend(store::MessageRecord record, std::string not_via_carrier) {
    if (stopping_.load()) return false;
    const auto digits = routing::normalise_e164(record.destination.address);
    if (!digits) return false;
    const auto account_routing = routing_of(settings_.accounts, record.account);
    auto match = router_->select(select_request(*digits, record.source.address, record.source.ton,
                                                record.data_coding,
                                                parts_of(record.segment_count,
                                                         record.concatenation ? record.concatenation->total : 0),
                                                record.payload.size() >= protocol::limits::short_message,
                                                account_routing));
    // Keep costs beside their carriers while dropping the ones not to use.
    std::vector<std::string> carriers;
    std::vector<std::uint64_t> costs;
    for (std::size_t i = 0; i < match.carriers.size(); ++i) {
        if (match.carriers[i] == not_via_carrier || !carriers_.count(match.carriers[i])) continue;
        carriers.push_back(std::move(match.carriers[i]));
        costs.push_back(i < match.costs.size() ? match.costs[i] : 0);
    }
    if (carriers.empty()) return false;

    auto flight = std::make_shared<Flight>();
    flight->id = record.id;
    flight->account = record.account;
    flight->pdu = submit_sm_of(record);
    flight->revision = record.revision;
    flight->expires_at = record.expires_at;
    stamp_times(flight->pdu, flight->expires_at);
    flight->segments = record.segment_count;
    flight->cls = account_routing.cls;
    flight->candidates = std::move(carriers);
    flight->costs = std::move(costs);
    flight->country = match.country;
    // Not held and not in the backlog: a carrier has it already.
    store::StateChange queued{.status = MessageStatus::queued,
                              .at = now_ms(),
                              .only_from = {MessageStatus::sent},
                              .duplicate_risk = true};
    ledger_.update(record.id, std::move(queued), [self = shared_from_this(), flight](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        boost::asio::post(self->ex_, [self, f = std::move(flight), st = std::move(st)]() mutable {
            if (st.code() == StatusCode::failed_precondition) {
                spdlog::info("message {}: its receipt came meanwhile; not re-sent", f->id.to_string());
                return;
            }
            if (!st.ok()) {
                self->counters_.ledger_errors.fetch_add(1, std::memory_order_relaxed);
                spdlog::error("message {}: re-send not stored ({}); not re-sent", f->id.to_string(), st.to_string());
                return;
            }
            self->proceed(std::move(f));
        });
    });
    return true;
}

}  // namespace smpp::relay
