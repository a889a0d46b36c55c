#include "domain/value.h"

#include <gtest/gtest.h>

#include "domain/fields.h"
#include "domain/time.h"

namespace crm::domain {
namespace {

TEST(DecimalTest, ParsesAndFormatsExactly) {
  EXPECT_EQ(Decimal::parse("1234.5")->units, 12'345'000);
  EXPECT_EQ(Decimal::parse("-0.0001")->units, -1);
  EXPECT_EQ(Decimal::parse("7")->format(2), "7.00");
  EXPECT_EQ(Decimal::parse("1234.50")->format(2), "1234.50");
  EXPECT_EQ(Decimal::parse("1234.5000")->format(), "1234.5");
  EXPECT_EQ(Decimal::parse(".5")->format(), "0.5");
  EXPECT_EQ(Decimal{INT64_MIN}.format(), "-922337203685477.5808");
  // 0.1 + 0.2 is exactly 0.3: no floating point anywhere.
  EXPECT_EQ(Decimal{Decimal::parse("0.1")->units + Decimal::parse("0.2")->units},
            *Decimal::parse("0.3"));
}

TEST(DecimalTest, RefusesWhatIsNotAnExactDecimal) {
  for (const char* bad : {"", "-", ".", "1.", "1.23456", "1e5", "1,5", "abc", "12 ", " 1",
                          "922337203685478", "99999999999999999999"})
    EXPECT_FALSE(Decimal::parse(bad)) << bad;
}

TEST(DateTest, ParsesOnlyRealDates) {
  EXPECT_EQ(Date::parse("2026-11-22")->format(), "2026-11-22");
  EXPECT_EQ(Date::parse("1970-01-01")->days, 0);
  EXPECT_TRUE(Date::parse("2024-02-29"));
  for (const char* bad :
       {"2026-02-29", "2026-13-01", "2026-1-1", "26-11-22", "2026-11-22T", "2026/11/22"})
    EXPECT_FALSE(Date::parse(bad)) << bad;
}

TEST(DateTest, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(Date::parse("2026-01-31")->add_months(1).format(), "2026-02-28");
  EXPECT_EQ(Date::parse("2028-01-31")->add_months(1).format(), "2028-02-29");
  EXPECT_EQ(Date::parse("2026-11-30")->add_months(3).format(), "2027-02-28");
  EXPECT_EQ(Date::parse("2026-03-15")->add_months(-12).format(), "2025-03-15");
}

TEST(DateTimeTest, ParsesRfc3339AndFormatsUtc) {
  EXPECT_EQ(DateTime::parse("2026-11-22T09:30:00Z")->format(), "2026-11-22T09:30:00Z");
  EXPECT_EQ(DateTime::parse("2026-11-22T10:30:00+01:00")->format(), "2026-11-22T09:30:00Z");
  EXPECT_EQ(DateTime::parse("2026-11-22T09:30:00.250Z")->format(), "2026-11-22T09:30:00.25Z");
  EXPECT_EQ(DateTime::parse("1969-12-31T23:59:59Z")->micros, -1'000'000);
  EXPECT_EQ(DateTime{-1}.format(), "1969-12-31T23:59:59.999999Z");
  for (const char* bad :
       {"2026-11-22", "2026-11-22T09:30:00", "2026-11-22 09:30:00Z", "2026-11-22T25:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-22T09:30:00+1:00"})
    EXPECT_FALSE(DateTime::parse(bad)) << bad;
}

TEST(MonthDayTest, AcceptsLeapDay) {
  EXPECT_EQ(MonthDay::parse("02-29")->format(), "02-29");
  EXPECT_FALSE(MonthDay::parse("02-30"));
  EXPECT_FALSE(MonthDay::parse("13-01"));
}

TEST(LocalTimeTest, WarsawDatesFollowDaylightSaving) {
  // Winter, UTC+1: 23:30Z is already the next day in Warsaw.
  EXPECT_EQ(local_date(*DateTime::parse("2026-01-10T23:30:00Z")).format(), "2026-01-11");
  EXPECT_EQ(local_date(*DateTime::parse("2026-01-10T22:59:00Z")).format(), "2026-01-10");
  // Summer, UTC+2: 22:30Z is the next day, 21:59Z is not.
  EXPECT_EQ(local_date(*DateTime::parse("2026-07-01T22:30:00Z")).format(), "2026-07-02");
  EXPECT_EQ(local_date(*DateTime::parse("2026-07-01T21:59:00Z")).format(), "2026-07-01");
  EXPECT_EQ(local_midnight(*Date::parse("2026-07-02")).format(), "2026-07-01T22:00:00Z");
  EXPECT_EQ(local_midnight(*Date::parse("2026-01-11")).format(), "2026-01-10T23:00:00Z");
}

TEST(NipTest, ChecksTheCheckDigit) {
  EXPECT_TRUE(valid_nip("5260001246"));
  EXPECT_TRUE(valid_nip("526-000-12-46"));
  EXPECT_FALSE(valid_nip("5260001247"));
  EXPECT_FALSE(valid_nip("526000124"));
  EXPECT_FALSE(valid_nip("52600012466"));
  EXPECT_FALSE(valid_nip("526O001246"));
  EXPECT_EQ(normalize_nip("526-000-12-46"), "5260001246");
  EXPECT_EQ(nip_check_digit("526000124"), 6);
}

TEST(ConvertTest, NamesTheFieldAndTheProblem) {
  std::vector<FieldError> errors;
  std::vector<Reference> refs;
  const FieldSpec& addresses = *core_field(EntityKind::client, "addresses");
  Value raw = List{Object{{"street", "Piotrkowska 1"}, {"city", "Łódź"}},
                   Object{{"street", "x"}, {"zip", "1"}}};
  EXPECT_FALSE(convert(addresses, raw, "addresses", errors, refs));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "addresses[1].zip");
  EXPECT_EQ(errors[1].field, "addresses[1].city");

  errors.clear();
  auto ok = convert(addresses, List{Object{{"street", "Piotrkowska 1"}, {"city", "Łódź"}}},
                    "addresses", errors, refs);
  ASSERT_TRUE(ok);
  const Object& first = *ok->get<List>()->front().get<Object>();
  EXPECT_EQ(*find(first, "country"), Value("PL")) << "member defaults apply";
  EXPECT_EQ(*find(first, "kind"), Value("main"));
}

TEST(ConvertTest, RefusesInvalidUtf8AndControlCharacters) {
  std::vector<FieldError> errors;
  std::vector<Reference> refs;
  FieldSpec text{"name", FieldType::text};
  EXPECT_FALSE(convert(text, Value(std::string("\xc3\x28")), "name", errors, refs));
  EXPECT_FALSE(convert(text, Value(std::string("a\x01")), "name", errors, refs));
  EXPECT_FALSE(convert(text, Value(std::string("\xed\xa0\x80")), "name", errors, refs))
      << "surrogate";
  EXPECT_TRUE(convert(text, Value("Zażółć gęślą jaźń"), "name", errors, refs));
  EXPECT_EQ(errors.size(), 3u);
}

TEST(ConvertTest, MoneyNeedsADecimalStringAndACurrencyCode) {
  std::vector<FieldError> errors;
  std::vector<Reference> refs;
  FieldSpec m{"potential", FieldType::money};
  auto v =
      convert(m, Object{{"amount", "1234.50"}, {"currency", "EUR"}}, "potential", errors, refs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->get<Money>()->amount.format(2), "1234.50");
  EXPECT_FALSE(convert(m, Object{{"amount", Decimal{10}}}, "potential", errors, refs))
      << "a number is not accepted";
  EXPECT_FALSE(convert(m, Object{{"amount", "1"}, {"currency", "zł"}}, "potential", errors, refs));
  EXPECT_FALSE(convert(m, Object{{"amount", "1"}, {"extra", true}}, "potential", errors, refs));
}

}  // namespace
}  // namespace crm::domain
