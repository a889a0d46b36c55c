// `crm serve` as a process: the first start on an empty data directory, SIGTERM, the hash chain
// check of a restart (the newest events before serving, the whole chain while serving), and a
// start with read models stuck on an event.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "application/command_handler.h"
#include "eventstore/event_store.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace crm::app::test {
namespace {

using namespace std::chrono_literals;

// A running `crm serve` whose standard output and error the test reads.
class Serve {
 public:
  Serve(const std::string& data, const std::string& admin_password = {}) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      if (!admin_password.empty()) ::setenv("CRM_ADMIN_PASSWORD", admin_password.c_str(), 1);
      ::execl(CRM_EXECUTABLE, CRM_EXECUTABLE, "serve", "--data", data.c_str(), "--listen",
              "127.0.0.1:0", "--threads", "1", "--no-demo", nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~Serve() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }

  // Reads the output until it matches `pattern` (the match is returned) or `timeout` passes
  // (empty).
  std::smatch wait_for(const std::string& pattern, std::chrono::seconds timeout = 120s) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::smatch m;
    while (!std::regex_search(output_, m, re)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (left <= 0ms || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
      char buf[4096];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return {};
      output_.append(buf, static_cast<size_t>(n));
    }
    return m;
  }

  uint16_t port() {
    auto m = wait_for(R"(serving http://127\.0\.0\.1:(\d+))");
    return m.empty() ? 0 : static_cast<uint16_t>(std::stoi(m[1]));
  }

  // Sends SIGTERM and returns the exit status (-1: it did not end by itself within 60 s).
  int terminate() {
    ::kill(pid_, SIGTERM);
    wait_for("closed cleanly", 60s);
    int status = 0;
    for (int i = 0; i < 600; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(100ms);
    }
    return -1;
  }

  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = 0;
  int out_ = -1;
  std::string output_;
};

// A log of `n` events of a stream no read model reads (projections skip it), a thousand at a time.
void append_events(const std::string& dir, int n) {
  std::filesystem::create_directories(dir);
  auto store = std::move(eventstore::EventStore::open(dir)).value();
  for (int done = 0; done < n; done += 1000) {
    std::vector<eventstore::EventData> batch;
    for (int i = done; i < std::min(n, done + 1000); ++i)
      batch.push_back({"Noted", "payload " + std::to_string(i), {}});
    ASSERT_TRUE(store->append("audit-1", eventstore::ExpectedVersion::any(), batch));
  }
}

// Changes the payload of the stored event at `position` behind the store's back ("payload N" to
// "payload X..."): the record still decodes, its hash no longer matches.
void tamper(const std::string& dir, uint64_t position) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  for (const auto& name : names) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &handles, &db).ok());
  const auto events = std::find(names.begin(), names.end(), "events") - names.begin();
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[7 - i] = static_cast<char>(position >> (8 * i));  // big-endian
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), handles[events], key, &value).ok());
  const size_t at = value.find("payload ");
  ASSERT_NE(at, std::string::npos);
  value[at + 8] = 'X';
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[events], key, value).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

// Polls `target` until its body contains `text` (at most 60 s).
bool eventually_shows(uint16_t port, const std::string& target, const std::string& text) {
  for (int i = 0; i < 600; ++i) {
    if (crm::testing::request(port, "GET", target).body.find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST(ServeTest, FirstStartCreatesTheAdminAndSigtermClosesCleanly) {
  crm::testing::TempDir dir;
  Serve serve(dir.sub("data"), "first-start-secret");
  const uint16_t port = serve.port();
  ASSERT_NE(port, 0) << serve.output();
  EXPECT_NE(serve.output().find("operator 'admin' created with the password from"),
            std::string::npos);
  auto login = crm::testing::request(port, "POST", "/api/v1/sessions",
                                     R"({"login":"admin","password":"first-start-secret"})");
  EXPECT_EQ(login.status, 201) << login.body;
  EXPECT_FALSE(login.json("token").empty());
  EXPECT_EQ(crm::testing::request(port, "GET", "/healthz").json("hash_chain"), "ok");
  EXPECT_EQ(serve.terminate(), 0) << serve.output();
}

// A store written by another tool (`crm demo`) whose operators include no admin and have no
// passwords: nobody could log in. The server gives it its admin, once.
TEST(ServeTest, AStoreWithoutAnAdminGetsOneOnce) {
  crm::testing::TempDir dir;
  {
    std::filesystem::create_directories(dir.sub("data/events"));
    auto store = std::move(eventstore::EventStore::open(dir.sub("data/events"))).value();
    application::CommandHandler handler(*store, {});
    ASSERT_TRUE(
        handler.handle({domain::EntityKind::operator_,
                        domain::Action::create,
                        "op0",
                        {{"login", "kierownik"}, {"name", "Kierownik"}, {"role", "manager"}},
                        "op0"}));
  }
  {
    Serve serve(dir.sub("data"), "given-later-secret");
    const uint16_t port = serve.port();
    ASSERT_NE(port, 0) << serve.output();
    EXPECT_NE(serve.output().find("operator 'admin' created"), std::string::npos) << serve.output();
    auto login = crm::testing::request(port, "POST", "/api/v1/sessions",
                                       R"({"login":"admin","password":"given-later-secret"})");
    EXPECT_EQ(login.status, 201) << login.body;
    EXPECT_EQ(login.json("role"), "admin");
    EXPECT_EQ(serve.terminate(), 0) << serve.output();
  }
  Serve again(dir.sub("data"), "another-secret");
  const uint16_t port = again.port();
  ASSERT_NE(port, 0) << again.output();
  EXPECT_EQ(again.output().find("operator 'admin' created"), std::string::npos) << again.output();
  EXPECT_EQ(crm::testing::request(port, "POST", "/api/v1/sessions",
                                  R"({"login":"admin","password":"given-later-secret"})")
                .status,
            201);
}

// Runs `crm admin-password --data <data>` without CRM_ADMIN_PASSWORD; its output and exit status.
std::pair<std::string, int> admin_password(const std::string& data) {
  const std::string command = std::string("env -u CRM_ADMIN_PASSWORD ") + CRM_EXECUTABLE +
                              " admin-password --data " + data + " 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  std::string out;
  char buf[512];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = p ? ::pclose(p) : -1;
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST(ServeTest, ALostAdminPasswordIsReplacedByTheAdminPasswordCommand) {
  crm::testing::TempDir dir;
  const auto [none, refused] = admin_password(dir.sub("empty"));
  EXPECT_EQ(refused, 1) << none;
  EXPECT_NE(none.find("has no operator 'admin'"), std::string::npos) << none;
  {
    Serve serve(dir.sub("data"), "forgotten-secret");
    ASSERT_NE(serve.port(), 0) << serve.output();
    EXPECT_EQ(serve.terminate(), 0) << serve.output();
  }
  const auto [out, status] = admin_password(dir.sub("data"));
  ASSERT_EQ(status, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(shown only now\): (\S+))"))) << out;
  const std::string password = m[1];
  Serve serve(dir.sub("data"));
  const uint16_t port = serve.port();
  ASSERT_NE(port, 0) << serve.output();
  auto login = [&](const std::string& pw) {
    return crm::testing::request(port, "POST", "/api/v1/sessions",
                                 R"({"login":"admin","password":")" + pw + R"("})")
        .status;
  };
  EXPECT_EQ(login(password), 201);
  EXPECT_EQ(login("forgotten-secret"), 401);
}

TEST(ServeTest, SessionsAndCalendarFeedKeysSurviveACrash) {
  crm::testing::TempDir dir;
  std::string token, url;
  {
    Serve serve(dir.sub("data"), "crash-secret");
    const uint16_t port = serve.port();
    ASSERT_NE(port, 0) << serve.output();
    auto login = crm::testing::request(port, "POST", "/api/v1/sessions",
                                       R"({"login":"admin","password":"crash-secret"})");
    ASSERT_EQ(login.status, 201) << login.body;
    token = login.json("token");
    auto feed = crm::testing::request(port, "POST", "/api/v1/me/calendar-feed", "",
                                      {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(feed.status, 201) << feed.body;
    url = feed.json("url");
  }  // SIGKILL: only what was written to a log survives
  Serve again(dir.sub("data"));
  const uint16_t port = again.port();
  ASSERT_NE(port, 0) << again.output();
  EXPECT_EQ(
      crm::testing::request(port, "GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}})
          .status,
      200)
      << "an acknowledged login";
  EXPECT_EQ(crm::testing::request(port, "GET", url).status, 200) << "a calendar app's subscription";
}

TEST(ServeTest, RestartChecksTheNewestEventsFirstAndTheWholeChainWhileServing) {
  crm::testing::TempDir dir;
  append_events(dir.sub("data/events"), 12'000);
  Serve serve(dir.sub("data"));
  const uint16_t port = serve.port();
  ASSERT_NE(port, 0) << serve.output();
  EXPECT_NE(serve.output().find("hash chain: ok (10000 events checked, the last ones"),
            std::string::npos)
      << serve.output();
  EXPECT_EQ(crm::testing::request(port, "GET", "/healthz").status, 200);
  EXPECT_FALSE(serve.wait_for(R"(hash chain: ok \(all 12000 events up to 12000 checked)").empty())
      << serve.output();
  EXPECT_TRUE(eventually_shows(port, "/healthz", R"("hash_chain":"ok")"));
  EXPECT_TRUE(eventually_shows(port, "/metrics", "crm_hash_chain_broken 0"));
  EXPECT_EQ(serve.terminate(), 0) << serve.output();
}

TEST(ServeTest, AnOldBreakInTheChainIsReportedWhileServing) {
  crm::testing::TempDir dir;
  append_events(dir.sub("data/events"), 12'000);
  tamper(dir.sub("data/events"), 5);
  Serve serve(dir.sub("data"));
  const uint16_t port = serve.port();
  ASSERT_NE(port, 0) << serve.output();
  EXPECT_EQ(crm::testing::request(port, "GET", "/healthz").status, 200);
  EXPECT_FALSE(serve.wait_for(R"(hash chain BROKEN at 5: hash mismatch)").empty())
      << serve.output();
  EXPECT_TRUE(eventually_shows(port, "/healthz", R"("hash_chain":"BROKEN at 5: hash mismatch")"));
  EXPECT_TRUE(eventually_shows(port, "/metrics", "crm_hash_chain_broken 1"));
  EXPECT_EQ(serve.terminate(), 0) << serve.output();
}

TEST(ServeTest, ABreakAmongTheNewestEventsStopsTheStart) {
  crm::testing::TempDir dir;
  append_events(dir.sub("data/events"), 12'000);
  tamper(dir.sub("data/events"), 11'990);
  Serve serve(dir.sub("data"));
  EXPECT_FALSE(serve.wait_for(R"(hash chain: BROKEN at 11990: hash mismatch)").empty())
      << serve.output();
  EXPECT_EQ(serve.terminate(), 1) << serve.output();
}

// An event the read models cannot decode (here the first one) does not keep the server from
// serving: it used to wait 60 s for them first. It names the failure, and keeps retrying.
TEST(ServeTest, AReadModelStuckOnAnEventDoesNotDelayTheStart) {
  crm::testing::TempDir dir;
  {
    std::filesystem::create_directories(dir.sub("data/events"));
    auto store = std::move(eventstore::EventStore::open(dir.sub("data/events"))).value();
    ASSERT_TRUE(store->append("client-c1", eventstore::ExpectedVersion::no_stream(),
                              {{"ClientCreated", "not a Cap'n Proto message", {}}}));
  }
  const auto t0 = std::chrono::steady_clock::now();
  Serve serve(dir.sub("data"));
  const uint16_t port = serve.port();
  ASSERT_NE(port, 0) << serve.output();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  EXPECT_NE(serve.output().find("lag 1  FAILING: event 1 does not decode"), std::string::npos)
      << serve.output();
  EXPECT_TRUE(eventually_shows(port, "/healthz", R"("lists":"event 1 does not decode")"));
  EXPECT_TRUE(eventually_shows(port, "/healthz", R"("records":"event 1 does not decode")"));
  EXPECT_EQ(serve.terminate(), 0) << serve.output();
}

}  // namespace
}  // namespace crm::app::test
