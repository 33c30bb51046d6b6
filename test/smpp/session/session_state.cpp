#include "smpp/session/session_state.hpp"

#include <catch2/catch.hpp>

#include "smpp/session/session_settings.hpp"

using namespace smpp::session;
using smpp::protocol::command_id;

TEST_CASE("session_state: an ESME peer may bind only while open") {
    for (auto id : {command_id::bind_transmitter, command_id::bind_receiver, command_id::bind_transceiver}) {
        CHECK(request_allowed(role::esme, session_state::open, id));
        CHECK_FALSE(request_allowed(role::esme, session_state::bound_trx, id));
        CHECK_FALSE(request_allowed(role::esme, session_state::binding, id));
        // An SMSC never binds to an ESME.
        CHECK_FALSE(request_allowed(role::smsc, session_state::open, id));
    }
}

TEST_CASE("session_state: submit_sm family needs a transmitter bind (section 2.3)") {
    for (auto id : {command_id::submit_sm, command_id::submit_multi, command_id::query_sm, command_id::cancel_sm,
                    command_id::replace_sm, command_id::data_sm}) {
        CHECK_FALSE(request_allowed(role::esme, session_state::open, id));
        CHECK(request_allowed(role::esme, session_state::bound_tx, id));
        CHECK(request_allowed(role::esme, session_state::bound_trx, id));
        CHECK_FALSE(request_allowed(role::esme, session_state::unbinding, id));
    }
    CHECK_FALSE(request_allowed(role::esme, session_state::bound_rx, command_id::submit_sm));
    CHECK_FALSE(request_allowed(role::smsc, session_state::bound_trx, command_id::submit_sm));
}

TEST_CASE("session_state: deliver_sm and alert_notification need a receiver bind") {
    for (auto id : {command_id::deliver_sm, command_id::data_sm, command_id::alert_notification}) {
        CHECK(request_allowed(role::smsc, session_state::bound_rx, id));
        CHECK(request_allowed(role::smsc, session_state::bound_trx, id));
        CHECK_FALSE(request_allowed(role::smsc, session_state::bound_tx, id));
        CHECK_FALSE(request_allowed(role::smsc, session_state::open, id));
    }
    CHECK_FALSE(request_allowed(role::esme, session_state::bound_trx, command_id::deliver_sm));
}

TEST_CASE("session_state: outbind only to an open ESME") {
    CHECK(request_allowed(role::smsc, session_state::open, command_id::outbind));
    CHECK_FALSE(request_allowed(role::smsc, session_state::bound_rx, command_id::outbind));
    CHECK_FALSE(request_allowed(role::esme, session_state::open, command_id::outbind));
}

TEST_CASE("session_state: enquire_link in any live state, unbind when bound or unbinding") {
    for (auto r : {role::esme, role::smsc}) {
        for (auto s : {session_state::open, session_state::binding, session_state::bound_tx, session_state::bound_rx,
                       session_state::bound_trx, session_state::unbinding})
            CHECK(request_allowed(r, s, command_id::enquire_link));
        CHECK_FALSE(request_allowed(r, session_state::closed, command_id::enquire_link));
        CHECK_FALSE(request_allowed(r, session_state::open, command_id::unbind));
        CHECK(request_allowed(r, session_state::bound_rx, command_id::unbind));
        CHECK(request_allowed(r, session_state::unbinding, command_id::unbind));
    }
}

TEST_CASE("session_state: planned closes never rebind") {
    for (auto r : {close_reason::local_close, close_reason::shutdown, close_reason::unbind_by_us,
                   close_reason::unbind_timeout})
        CHECK(is_planned(r));
    for (auto r : {close_reason::unbind_by_peer, close_reason::peer_closed, close_reason::io_error,
                   close_reason::enquire_link_timeout, close_reason::bind_rejected, close_reason::bind_timeout,
                   close_reason::frame_too_long, close_reason::frame_too_short})
        CHECK_FALSE(is_planned(r));
}

TEST_CASE("session_state: names and bind mappings") {
    CHECK(name(session_state::bound_trx) == "bound_trx");
    CHECK(name(close_reason::enquire_link_timeout) == "enquire_link_timeout");
    CHECK(name(bind_type::receiver) == "receiver");
    CHECK(bind_command(bind_type::transmitter) == command_id::bind_transmitter);
    CHECK(bind_command(bind_type::receiver) == command_id::bind_receiver);
    CHECK(bind_command(bind_type::transceiver) == command_id::bind_transceiver);
    CHECK(bound_state(bind_type::receiver) == session_state::bound_rx);
    CHECK(is_bound(session_state::bound_tx));
    CHECK_FALSE(is_bound(session_state::unbinding));
}

TEST_CASE("session_settings: validate rejects nonsense") {
    SessionSettings s;
    CHECK(s.validate().empty());
    s.window = 0;
    CHECK(s.validate() == "window must be >= 1");
    s = {};
    s.system_id = "a-very-long-system-id";
    CHECK(s.validate() == "system_id must be at most 15 characters");
    s = {};
    s.response_timeout = std::chrono::milliseconds(0);
    CHECK(s.validate() == "response_timeout must be > 0");
    s = {};
    s.max_command_length = 8;
    CHECK(s.validate() == "max_command_length must be between 98 and 1048576");
    s.max_command_length = max_command_length_floor;  // the largest legal bind_*
    CHECK(s.validate().empty());
    s.max_command_length = max_command_length_ceiling + 1;  // read before the peer binds: a memory bound
    CHECK(s.validate() == "max_command_length must be between 98 and 1048576");
    s.max_command_length = max_command_length_ceiling;
    CHECK(s.validate().empty());
}
