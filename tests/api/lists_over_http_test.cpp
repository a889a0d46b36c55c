// Lists over HTTP against the same lists read in process: random tasks posted as JSON (titles with
// Polish letters, quotes, '&', '+', '%', '#', '=' and spaces), changed by PATCH and actions, then
// random queries written as URLs (percent-encoded values, a space now and then as '+', filters of
// either value and "" for unset, ranges given as dates or as RFC 3339 times with an offset,
// searches, sorts both ways, limits) walked page by page with their cursors, against the same
// ListQuery walked through Queries; a range of times given backwards is a 400 there. What is
// checked is the way there: the URL's decoding, the parameters' meaning, the JSON, the cursors.

#include <algorithm>
#include <cctype>

#include "domain/time.h"
#include "tests/api/fixture.h"
#include "tests/projections/fixture.h"
#include "tests/support/random.h"

namespace crm::api::test {
namespace {

using domain::Value;

class ListsOverHttp : public ServerFixture, protected crm::testing::Randomness {
 protected:
  /// Percent-encoded as a query's value: every byte but the unreserved ones, a space now and
  /// then as '+'.
  std::string encoded(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ' && chance(50)) {
        out += '+';
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  }

  const std::vector<std::string> words_ = {"Oferta", "Łódź", "\"Pilne\"", "5%",     "A&B",
                                           "C++",    "#12",  "x=y",       "zażółć", "Faktura"};
  std::string title() {
    std::string t = pick(words_);
    for (int n = static_cast<int>(rng_() % 3); n > 0; --n) t += " " + pick(words_);
    return t;
  }
  domain::Date day(int from_first) {
    return domain::Date::parse("2026-12-01")->add_days(from_first);
  }
  /// A time on one of the test's days, with an offset or in UTC.
  std::string some_time() {
    const int64_t t = domain::local_midnight(day(static_cast<int>(rng_() % 10))).micros +
                      static_cast<int64_t>(rng_() % (24 * 60)) * 60'000'000;
    const std::string utc = domain::DateTime{t}.format();  // 2026-12-03T10:15:00Z
    if (chance(50)) return utc;
    // The same instant in Warsaw's winter time.
    return domain::DateTime{t + 3'600'000'000}.format().substr(0, 19) + "+01:00";
  }

  /// Every page over HTTP: the ids in order, or a failure.
  std::vector<std::string> walk_http(const std::string& query, size_t limit) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 10'000; ++pages) {
      auto r = get("/api/v1/tasks?" + query + "limit=" + std::to_string(limit) +
                   (cursor.empty() ? "" : "&cursor=" + encoded(cursor)));
      EXPECT_EQ(r.status, 200) << query << "\n" << r.body;
      auto body = parse_object(r.body);
      EXPECT_TRUE(body) << r.body;
      if (r.status != 200 || !body) return ids;
      const Value* items = domain::find(*body, "items");
      EXPECT_TRUE(items && items->get<domain::List>()) << r.body;
      if (!items || !items->get<domain::List>()) return ids;
      for (const auto& item : *items->get<domain::List>())
        ids.push_back(*domain::find(*item.get<domain::Object>(), "id")->get<std::string>());
      const Value* next = domain::find(*body, "next_cursor");
      if (!next || next->is_null()) return ids;
      cursor = *next->get<std::string>();
    }
    ADD_FAILURE() << "no last page";
    return ids;
  }
};

TEST_F(ListsOverHttp, AgreeWithTheListsInProcess) {
  const std::vector<std::string> operators = {"op-operator", "op-manager"};
  const std::vector<std::string> priorities = {"low", "normal", "high"};
  const std::vector<std::string> statuses = {"open", "in_progress", "done", "cancelled"};
  std::vector<std::string> ids;
  std::string position;
  for (int i = 0; i < 150; ++i) {
    std::string body =
        "{\"title\":" + quote(title()) + ",\"priority\":\"" + pick(priorities) + "\"";
    if (chance(80)) body += ",\"assignee_id\":\"" + pick(operators) + "\"";
    if (chance(70)) body += ",\"due\":\"" + day(static_cast<int>(rng_() % 10)).format() + "\"";
    if (chance(50)) body += ",\"planned_start\":\"" + some_time() + "\"";
    auto r = post("/api/v1/tasks", body + "}");
    ASSERT_EQ(r.status, 201) << body << "\n" << r.body;
    ids.push_back(r.json("id"));
    position = r.json("position");
  }
  for (int i = 0; i < 150; ++i) {
    const std::string& id = pick(ids);
    auto r = chance(50)
                 ? post("/api/v1/tasks/" + id + "/" +
                            pick(std::vector<std::string>{"start", "complete", "cancel", "reopen"}),
                        "{}")
                 : patch("/api/v1/tasks/" + id, "{\"title\":" + quote(title()) + "}");
    if (r.status < 300) position = r.json("position");
  }
  ASSERT_EQ(get("/api/v1/tasks?limit=1&min_position=" + position).status, 200);

  size_t nonempty = 0, backwards = 0;
  for (int i = 0; i < 150; ++i) {
    projections::ListQuery q{.kind = domain::EntityKind::task};
    std::string url;
    auto filter = [&](const std::string& field, const std::string& value) {
      q.filters.emplace_back(field, value);
      url += field + "=" + encoded(value) + "&";
    };
    for (int n = static_cast<int>(rng_() % 3); n > 0; --n) {
      switch (rng_() % 3) {
        case 0:
          filter("assignee_id", chance(15) ? "" : pick(operators));
          break;
        case 1:
          filter("status", pick(statuses));
          break;
        default:
          filter("priority", pick(priorities));
      }
    }
    if (chance(50)) {  // a range of the due date, or of the planned start by days or by times
      const domain::Date a = day(static_cast<int>(rng_() % 10)),
                         b = a.add_days(static_cast<int>(rng_() % 4));
      projections::ListQuery::Range range{chance(50) ? "due" : "planned_start", {}, {}};
      const bool by_days = range.field == "due" || chance(33);
      std::string from = a.format(), to = b.format();
      if (range.field == "due") {
        range.from = Value(a);
        range.to = Value(b);
      } else if (by_days) {
        range.from = Value(domain::local_midnight(a));
        range.to = Value(domain::DateTime{domain::local_midnight(b.add_days(1)).micros - 1});
      } else {
        from = some_time();
        to = some_time();
        range.from = Value(*domain::DateTime::parse(from));
        range.to = Value(*domain::DateTime::parse(to));
      }
      const int open = static_cast<int>(rng_() % 4);  // 1: from on, 2: up to, else both ends
      if (open == 1)
        range.to = Value();
      else
        url += range.field + ".to=" + encoded(to) + "&";
      if (open == 2)
        range.from = Value();
      else
        url += range.field + ".from=" + encoded(from) + "&";
      q.ranges.push_back(range);
      if (!range.from.is_null() && !range.to.is_null() && !by_days &&
          *domain::DateTime::parse(to) < *domain::DateTime::parse(from)) {  // backwards: a 400
        auto r = get("/api/v1/tasks?" + url + "limit=5");
        EXPECT_EQ(r.status, 400) << url;
        EXPECT_NE(r.body.find(R"("field":"planned_start.to")"), std::string::npos) << r.body;
        EXPECT_EQ(projections::test::list_ids(projections::Queries(*views_, *runner_), q),
                  std::vector<std::string>{})
            << "none in process";
        ++backwards;
        continue;
      }
    }
    if (chance(30)) {
      q.search = pick(words_);
      if (chance(30)) q.search += " " + pick(words_);
      url += "q=" + encoded(q.search) + "&";
    }
    if (chance(80)) {
      q.sort = pick(
          std::vector<std::string>{"due", "planned_start", "priority", "created_at", "updated_at"});
      q.descending = chance(50);
      url += "sort=" + std::string(q.descending ? "-" : "") + q.sort + "&";
    }
    q.limit = 1 + rng_() % 12;
    const auto over_http = walk_http(url, q.limit);
    const auto in_process = projections::test::list_ids(projections::Queries(*views_, *runner_), q);
    if (over_http != in_process) {
      const auto at = static_cast<size_t>(
          std::mismatch(over_http.begin(), over_http.end(), in_process.begin(), in_process.end())
              .first -
          over_http.begin());
      auto show = [&](const std::vector<std::string>& in) {
        if (at >= in.size()) return std::string("-");
        return in[at] + " " + get("/api/v1/tasks/" + in[at]).body;
      };
      FAIL() << url << "limit=" << q.limit << ": " << over_http.size() << " over HTTP, "
             << in_process.size() << " in process; the " << at + 1 << "th:\n  over HTTP  "
             << show(over_http) << "\n  in process " << show(in_process);
    }
    nonempty += !in_process.empty();
  }
  EXPECT_GT(nonempty, 75u);
  EXPECT_GT(backwards, 0u);
}

}  // namespace
}  // namespace crm::api::test
