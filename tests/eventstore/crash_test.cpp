// Crash safety: a child process appends under load and is killed with SIGKILL at a random moment,
// round after round on the same directory. After each kill the store must hold every append the
// child acknowledged, no part of a batch without the rest, dense positions, and a verified chain.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

struct Ack {
  uint64_t first, last;
};

// Runs the child until `run_ms` after it has opened the store (however long opening takes on a
// loaded machine), kills it with SIGKILL and returns every ACK line it wrote.
std::map<std::string, Ack> run_and_kill(const std::string& dir, int round, int run_ms) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(CRASH_CHILD, CRASH_CHILD, dir.c_str(), std::to_string(round).c_str(), "8", nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[65536];
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  bool killed = false;
  for (;;) {
    if (!kill_at && out.starts_with("OPEN\n"))
      kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
    if (!killed && kill_at && std::chrono::steady_clock::now() >= *kill_at) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    ::poll(&p, 1, 5);
    if (p.revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) {
        out.append(buf, n);
        continue;
      }
      if (n == 0) break;  // every writer end is closed: the child is gone
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child should have been running until killed; status " << status;

  std::map<std::string, Ack> acks;
  std::istringstream lines(out.substr(out.starts_with("OPEN\n") ? 5 : 0));
  std::string tag, id;
  Ack a{};
  while (lines >> tag >> id >> a.first >> a.last)
    if (tag == "ACK") acks[id] = a;  // a line torn by the kill is simply not parsed
  return acks;
}

TEST(CrashTest, SigkillDuringAppendsLosesNothingAcknowledged) {
  crm::testing::TempDir dir;
  const std::string path = dir.sub("db");
  std::mt19937 rng(20261122);
  const int rounds =
      std::getenv("CRM_CRASH_ROUNDS") ? std::atoi(std::getenv("CRM_CRASH_ROUNDS")) : 12;
  size_t total_acks = 0;
  for (int round = 0; round < rounds; ++round) {
    auto acks = run_and_kill(path, round, 40 + static_cast<int>(rng() % 400));
    total_acks += acks.size();

    auto opened = EventStore::open(path);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;

    // Every acknowledged append is there, with the positions it was acknowledged with.
    for (const auto& [id, ack] : acks) {
      auto found = store.find_command(id);
      ASSERT_TRUE(found);
      ASSERT_TRUE(found->has_value()) << "acknowledged append " << id << " lost in round " << round;
      EXPECT_EQ((*found)->first_position, ack.first);
      EXPECT_EQ((*found)->last_position, ack.last);
    }
    // Dense positions, dense stream versions, and every batch whole (3 events, contiguous).
    std::map<std::string, uint64_t> versions;
    std::map<std::string, int> per_command;
    uint64_t expected = 1;
    auto r = store.read_all(1, UINT64_MAX, [&](const RecordedEvent& e) {
      EXPECT_EQ(e.position, expected++);
      EXPECT_EQ(e.version, ++versions[e.stream]);
      const std::string id = e.metadata.command_id;
      EXPECT_EQ(e.payload, id + "/" + std::to_string(per_command[id]++));
      return true;
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(expected - 1, store.head());
    for (const auto& [id, n] : per_command) ASSERT_EQ(n, 3) << "partial batch " << id;
    auto report = store.verify();
    ASSERT_TRUE(report);
    ASSERT_TRUE(report->ok) << "round " << round << ": " << report->problem << " at "
                            << report->first_bad_position;
  }
  EXPECT_GT(total_acks, 0u) << "the child never acknowledged anything";
  RecordProperty("acknowledged_appends", static_cast<int>(total_acks));
}

}  // namespace
}  // namespace crm::eventstore::test
