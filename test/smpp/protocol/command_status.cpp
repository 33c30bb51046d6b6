#include "smpp/protocol/command_status.hpp"

#include <catch2/catch.hpp>

#include "smpp/protocol/command_id.hpp"

using namespace smpp::protocol;

TEST_CASE("command_status names") {
    CHECK(name(command_status::ESME_ROK) == "ESME_ROK");
    CHECK(name(command_status::ESME_RINVSRCADR) == "ESME_RINVSRCADR");
    CHECK(name(command_status::ESME_RINVOPTPARSTREAM) == "ESME_RINVOPTPARSTREAM");
    CHECK(name(static_cast<command_status>(0x400)) == "0x00000400");
    CHECK(name(static_cast<command_status>(0x9)) == "0x00000009");
}

TEST_CASE("command_status is an error_code enum with its own category") {
    std::error_code ec = command_status::ESME_RTHROTTLED;
    CHECK(ec.value() == 0x58);
    CHECK(&ec.category() == &command_status_category());
    CHECK(std::string(ec.category().name()) == "smpp.command_status");
    CHECK(ec.message() == "ESME_RTHROTTLED (Throttling error)");
    CHECK(make_error_code(static_cast<command_status>(0x4FF)).message() == "command_status 0x000004FF");
    CHECK(ec == make_error_code(command_status::ESME_RTHROTTLED));
    CHECK(ec != make_error_code(command_status::ESME_RMSGQFUL));
    // ESME_ROK converts to a value-initialised-looking code that is still "no error".
    CHECK_FALSE(make_error_code(command_status::ESME_ROK));
}

TEST_CASE("command_id names, known ids and the response bit") {
    CHECK(name(command_id::submit_sm) == "submit_sm");
    CHECK(name(command_id::data_sm_resp) == "data_sm_resp");
    CHECK(name(static_cast<command_id>(0x99)) == "unknown");
    CHECK(is_known(0x00000004));
    CHECK(is_known(0x80000000));
    CHECK_FALSE(is_known(0x0000000A));
    CHECK_FALSE(is_known(0x8000000B));
    CHECK(is_response(command_id::generic_nack));
    CHECK_FALSE(is_response(command_id::outbind));
    CHECK(response_id(command_id::bind_transmitter) == command_id::bind_transmitter_resp);
}
