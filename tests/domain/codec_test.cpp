// The stored form of domain events: a round trip of every value type, and golden bytes so an
// accidental schema change fails. After a deliberate, compatible change add a new golden; old
// bytes must keep decoding.
#include "domain/codec.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace crm::domain {
namespace {

DomainEvent sample() {
  DomainEvent e;
  e.type = "ClientUpdated";
  e.at = *DateTime::parse("2026-11-22T09:30:00.5Z");
  e.by = "op-1";
  e.changes = {
      {"name", false, Value("Stara"), Value("Nowa Łódź")},
      {"potential", false, Value{}, Value(Money{*Decimal::parse("1234.50"), "PLN"})},
      {"segment", true, Value("A"), Value{}},
      {"tags", false, Value(List{Value("vip")}), Value(List{Value("vip"), Value("hurt")})},
  };
  e.entry = {{"date", *Date::parse("2026-11-22")},
             {"minutes", int64_t{90}},
             {"ok", true},
             {"rate", *Decimal::parse("-0.25")},
             {"name_day", MonthDay{12, 13}},
             {"nested", Object{{"k", List{}}}}};
  return e;
}

TEST(DomainCodecTest, RoundTripsEveryValueType) {
  const DomainEvent e = sample();
  auto back = codec::decode(e.type, codec::encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
}

TEST(DomainCodecTest, GarbageDoesNotDecode) {
  EXPECT_FALSE(codec::decode("X", "not capnp"));
  EXPECT_FALSE(codec::decode("X", std::string(64, '\xff')));
}

constexpr std::string_view kGoldenV1 =
    "0000000077000000000000000100030020570f1fda600600090000002a000000090000008700000011010000"
    "670000006f702d310000000010000000010003000000000000000000390000002a0000003800000002000100"
    "44000000020001000000000000000000510000005200000054000000020001005c0000000200010001000000"
    "000000006d000000420000006c00000002000100780000000200010000000000000000007d0000002a000000"
    "7c0000000200010098000000020001006e616d65000000000800000000000000000000000000000001000000"
    "32000000537461726100000008000000000000000000000000000000010000006a0000004e6f776120c581c3"
    "b364c5ba00000000706f74656e7469616c000000000000000000000000000000000000000000000000000000"
    "00000000040000000000000000000000000000000000000001000100a85ebc00000000000100000022000000"
    "504c4e00000000007365676d656e740008000000000000000000000000000000010000001200000041000000"
    "0000000000000000000000000000000000000000000000000000000074616773000000000900000000000000"
    "0000000000000000010000001f00000004000000020001000800000000000000000000000000000001000000"
    "2200000076697000000000000900000000000000000000000000000001000000370000000800000002000100"
    "080000000000000000000000000000000d000000220000000800000000000000000000000000000005000000"
    "2a0000007669700000000000687572740000000018000000000002002d0000002a0000002c00000002000100"
    "350000004200000034000000020001003d0000001a0000003c00000002000100450000002a00000044000000"
    "020001004d0000004a0000005000000002000100590000003a00000058000000020001006461746500000000"
    "05000000000000002b5100000000000000000000000000006d696e757465730002000000000000005a000000"
    "0000000000000000000000006f6b000000000000010001000000000000000000000000000000000000000000"
    "726174650000000003000000000000003cf6ffffffffffff00000000000000006e616d655f64617900000000"
    "000000000700000000000000bd0400000000000000000000000000006e657374656400000a00000000000000"
    "000000000000000001000000170000000400000000000200050000001200000004000000020001006b000000"
    "000000000900000000000000000000000000000001000000070000000000000002000100";

TEST(DomainCodecTest, BytesAreStable) {
  EXPECT_EQ(hex(codec::encode(sample())), kGoldenV1);
}

TEST(DomainCodecTest, OldBytesStillDecode) {
  auto e = codec::decode("ClientUpdated", *unhex(kGoldenV1));
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, sample());
}

}  // namespace
}  // namespace crm::domain

namespace crm::domain {
namespace {

TEST(DomainCodecTest, RecordStateRoundTrips) {
  Record r{EntityKind::service_order,
           "so-1",
           7,
           *DateTime::parse("2026-01-01T00:00:00Z"),
           "op-1",
           *DateTime::parse("2026-02-01T00:00:00Z"),
           "op-2",
           Object{{"number", "ZS/2026/00001"},
                  {"parts", List{Object{{"name", "filtr"}, {"quantity", *Decimal::parse("2")}}}}},
           Object{{"priority_code", int64_t{3}}}};
  auto back = codec::decode_record(codec::encode(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(codec::decode_record("garbage!"));
}

}  // namespace
}  // namespace crm::domain
