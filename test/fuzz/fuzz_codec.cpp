// libFuzzer target: the fast codec and the libsmpp34 reference must give
// the same answer for any input (see test/smpp/protocol/codec_differential.hpp
// for the rule). A disagreement aborts, so libFuzzer saves the input.
#include <cstdint>
#include <cstdio>
#include <span>
#include <vector>

#include "smpp/protocol/fast_codec.hpp"
#include "smpp/protocol/libsmpp34_codec.hpp"
#include "test/smpp/protocol/codec_differential.hpp"
#include "test/smpp/protocol/frame_builder.hpp"

// libsmpp34 logs every field it packs or unpacks into this 2048-octet
// global through ptrerror, with snprintf's would-be length: a PDU with
// enough fields (about 33 TLVs) runs ptrerror past the end and writes over
// whatever global follows. Checked after each reference call so that the
// overflow is reported where it happens, not as a corrupted mutex later.
extern "C" {
extern char smpp34_strerror[2048];
extern unsigned char* ptrerror;
}

namespace {

using namespace smpp::protocol;

void require_log_within_bounds(const char* call) {
    const auto used = ptrerror - reinterpret_cast<unsigned char*>(smpp34_strerror);
    if (used > static_cast<std::ptrdiff_t>(sizeof smpp34_strerror)) {
        std::fprintf(stderr, "fuzz_codec: libsmpp34 %s wrote %td octets into smpp34_strerror[2048]\n", call, used);
        __builtin_trap();
    }
}

// Every reference call of compare_codecs, one at a time, each followed by
// the log check.
void check_libsmpp34_log(std::span<const std::uint8_t> frame) {
    const DecodeResult r = libsmpp34_codec::decode(frame);
    require_log_within_bounds("decode");
    if (const auto* pdu = std::get_if<Pdu>(&r)) {
        std::vector<std::uint8_t> out;
        (void)libsmpp34_codec::encode(*pdu, out);
        require_log_within_bounds("encode");
    }
}

std::uint32_t command_id_of(std::span<const std::uint8_t> f) {
    return std::uint32_t{f[4]} << 24 | std::uint32_t{f[5]} << 16 | std::uint32_t{f[6]} << 8 | f[7];
}

void check(std::span<const std::uint8_t> frame) {
    if (frame.size() >= 8) {
        const std::uint32_t raw = command_id_of(frame);
        if (is_known(raw) && !fast_codec::handles(static_cast<command_id>(raw))) {
            // Not a fast-codec PDU: only the reference sees it, and it must
            // neither crash nor overrun libsmpp34's log.
            check_libsmpp34_log(frame);
            return;
        }
    }
    check_libsmpp34_log(frame);
    const auto c = smpp::test::compare_codecs(frame);
    if (c.result == smpp::test::verdict::disagree) {
        std::fprintf(stderr, "fuzz_codec: codecs disagree: %s\n", c.why.c_str());
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check({data, size});
    // Most random inputs fail the command_length check; also try each one
    // with a truthful length so the fuzzer reaches the body parsers.
    if (size >= 16) {
        std::vector<std::uint8_t> frame(data, data + size);
        smpp::test::patch_length(frame);
        check(frame);
    }
    return 0;
}
