// Writes the fuzzer's seed corpus: every named frame of
// test/smpp/protocol/hot_frames.hpp (each hot PDU valid, with TLVs, and
// malformed), one file per frame. Run by hand after changing that list:
//   build-fuzz/bin/make_corpus test/fuzz/corpus
#include <cstdio>
#include <fstream>
#include <string>

#include "test/smpp/protocol/hot_frames.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    int written = 0;
    for (const auto& f : smpp::test::hot_frames()) {
        const std::string path = std::string(argv[1]) + "/" + f.name;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(f.bytes.data()), static_cast<std::streamsize>(f.bytes.size()));
        if (!out) {
            std::fprintf(stderr, "cannot write %s\n", path.c_str());
            return 1;
        }
        ++written;
    }
    std::printf("%d frames written to %s\n", written, argv[1]);
    return 0;
}
