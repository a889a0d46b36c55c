// Golden bytes: the stored form of an event must not change by accident. If this fails after a
// deliberate schema change, the change must be backward compatible (new ordinals only) and the
// old golden bytes must still decode — add a new golden, never edit the old one.
#include "base/hex.h"
#include "eventstore/codec.h"
#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

constexpr std::string_view kGoldenEnvelopeV1 =
    "000000001700000000000000040004002a0000000000000003000000000000000200000000000000405276b02a4406"
    "000d0000004a00000011000000720000001400000000000400310000004a000000636c69656e742d3700000000"
    "00000000436c69656e7452656e616d65640000000d0000002a0000000d0000003a0000000d000000420000000d"
    "000000320000006f702d3100000000636f72722d32000063617573652d3300636d642d340000007061796c6f61"
    "64010200000000000000";
constexpr std::string_view kGoldenHashV1 =
    "f875e1d812077590532ade322976de34afb7c98a3e0b8ad25e8fd276a52ea30f";

std::string encode_sample() {
  std::string out;
  codec::encode_envelope(42, "client-7", 3, EventData{"ClientRenamed", "payload\x01\x02", 2},
                         1'763'800'000'123'456, Metadata{"op-1", "corr-2", "cause-3", "cmd-4"},
                         out);
  return out;
}

TEST(GoldenTest, EnvelopeBytesAreStable) {
  EXPECT_EQ(hex(encode_sample()), kGoldenEnvelopeV1);
}

TEST(GoldenTest, ChainHashIsStable) {
  EXPECT_EQ(
      hex(std::string_view(
          reinterpret_cast<const char*>(codec::chain_hash(Hash{}, encode_sample()).data()), 32)),
      kGoldenHashV1);
}

TEST(GoldenTest, OldBytesStillDecode) {
  std::string stored = *unhex(kGoldenEnvelopeV1);
  stored.append(32, '\0');
  codec::Decoder decoder;
  RecordedEvent e;
  ASSERT_TRUE(decoder.decode(stored, e));
  EXPECT_EQ(e.position, 42u);
  EXPECT_EQ(e.stream, "client-7");
  EXPECT_EQ(e.version, 3u);
  EXPECT_EQ(e.type, "ClientRenamed");
  EXPECT_EQ(e.schema_version, 2u);
  EXPECT_EQ(e.recorded_at_us, 1'763'800'000'123'456);
  EXPECT_EQ(e.metadata, (Metadata{"op-1", "corr-2", "cause-3", "cmd-4"}));
  EXPECT_EQ(e.payload, "payload\x01\x02");
}

TEST(GoldenTest, GarbageDoesNotDecode) {
  codec::Decoder decoder;
  RecordedEvent e;
  EXPECT_FALSE(decoder.decode("short", e));
  std::string garbage(80, '\xff');
  EXPECT_FALSE(decoder.decode(garbage, e));
}

}  // namespace
}  // namespace crm::eventstore::test
