// Every command's accepted path and its refusals, against an in-memory world (see world.h).
#include "domain/decide.h"

#include "tests/domain/world.h"

namespace crm::domain::test {
namespace {

using K = EntityKind;
using A = Action;

class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override { w.seed(); }
  World w;
};

std::vector<std::string> types(const Decision& d, size_t stream = 0) {
  std::vector<std::string> out;
  if (stream < d.streams.size())
    for (const auto& e : d.streams[stream].events) out.push_back(e.type);
  return out;
}

using S = std::vector<std::string>;

// ---- clients ---------------------------------------------------------------------------------

TEST_F(DecideTest, ClientRegistrationAppliesDefaultsAndNormalizesNip) {
  auto d = w.ok(K::client, A::create, "c-2",
                {{"name", "Hurtownia Zielona Góra"},
                 {"tax_id", "526 000 12 46"},
                 {"potential", money("250000.00")},
                 {"account_manager_id", "op-anna"}});
  EXPECT_EQ(types(d), S{"ClientRegistered"});
  const Record c = w.get(K::client, "c-2");
  EXPECT_EQ(c.version, 1u);
  EXPECT_EQ(c.text("status"), "prospect");
  EXPECT_EQ(*c.field("roles"), Value(List{Value("customer")}));
  EXPECT_EQ(c.text("tax_id"), "5260001246");
  EXPECT_EQ(c.field("potential")->get<Money>()->amount.format(2), "250000.00");
  EXPECT_EQ(c.created_by, "op-admin");
  EXPECT_EQ(c.created_at, w.now);
}

TEST_F(DecideTest, ClientRefusalsNameTheirFields) {
  auto errors = w.refused(errc::invalid_input, K::client, A::create, "c-9",
                          {{"tax_id", "5260001247"},
                           {"colour", "red"},
                           {"account_manager_id", "op-ghost"},
                           {"roles", List{Value("customer"), Value("customer")}},
                           {"status", "dormant"}});
  EXPECT_TRUE(names(errors, "name")) << "required";
  EXPECT_TRUE(names(errors, "tax_id"));
  EXPECT_TRUE(names(errors, "colour")) << "unknown field";
  EXPECT_TRUE(names(errors, "account_manager_id")) << "reference to a missing operator";
  EXPECT_TRUE(names(errors, "roles")) << "duplicate choice";
  EXPECT_TRUE(names(errors, "status"));
  w.refused(errc::already_exists, K::client, A::create, "c-1", {{"name", "Again"}});
  w.refused(errc::not_found, K::client, A::update, "c-404", {{"name", "Nobody"}});
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::client, A::update, "c-1", {{"turnover_entries", List{}}}),
      "turnover_entries"));
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::client, A::update, "c-1", {{"name", Value{}}}), "name"))
      << "a required field cannot be cleared";
}

TEST_F(DecideTest, ClientChangesRevealTheirIntention) {
  auto d = w.ok(K::client, A::update, "c-1",
                {{"status", "active"},
                 {"account_manager_id", "op-anna"},
                 {"website", "https://meble.example.pl"}});
  EXPECT_EQ(types(d), (S{"ClientUpdated", "ClientStatusChanged", "AccountManagerAssigned"}));
  const auto& status = d.streams[0].events[1].changes;
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].before, Value("prospect"));
  EXPECT_EQ(status[0].after, Value("active"));
  EXPECT_EQ(w.get(K::client, "c-1").version, 4u);
  // The same values again change nothing and append nothing.
  EXPECT_TRUE(w.ok(K::client, A::update, "c-1", {{"status", "active"}}).empty());
}

// ---- persons ---------------------------------------------------------------------------------

TEST_F(DecideTest, PersonsAreRelatedBothWays) {
  auto d = w.ok(K::person, A::relate, "p-1", {{"person_id", "p-2"}, {"label", "małżonek"}});
  ASSERT_EQ(d.streams.size(), 2u);
  auto relations = [&](const char* id) {
    return *w.get(K::person, id).field("relations")->get<List>();
  };
  ASSERT_EQ(relations("p-1").size(), 1u);
  EXPECT_EQ(*find(*relations("p-1")[0].get<Object>(), "person_id"), Value("p-2"));
  EXPECT_EQ(*find(*relations("p-2")[0].get<Object>(), "person_id"), Value("p-1"));
  EXPECT_EQ(*find(*relations("p-2")[0].get<Object>(), "label"), Value("małżonek"));

  w.ok(K::person, A::unrelate, "p-2", {{"person_id", "p-1"}});
  EXPECT_TRUE(relations("p-1").empty());
  EXPECT_TRUE(relations("p-2").empty());
  w.refused(errc::not_found, K::person, A::unrelate, "p-1", {{"person_id", "p-2"}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::person, A::relate, "p-1",
                              {{"person_id", "p-1"}, {"label", "x"}}),
                    "person_id"));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::person, A::relate, "p-1",
                              {{"person_id", "p-9"}, {"label", "x"}}),
                    "person_id"));
  EXPECT_TRUE(
      names(w.refused(errc::invalid_input, K::person, A::relate, "p-1", {{"person_id", "p-2"}}),
            "label"));
}

TEST_F(DecideTest, PersonFieldsAreValidated) {
  w.ok(K::person, A::create, "p-3",
       {{"first_name", "Łucja"},
        {"last_name", "Żak"},
        {"name_day", "12-13"},
        {"birthday", "1985-02-28"},
        {"emails", List{Value("lucja@example.pl")}},
        {"client_links", List{Object{{"client_id", "c-1"}, {"role", "księgowa"}}}}});
  EXPECT_EQ(w.get(K::person, "p-3").field("name_day")->get<MonthDay>()->format(), "12-13");
  auto errors = w.refused(errc::invalid_input, K::person, A::create, "p-4",
                          {{"first_name", "A"},
                           {"last_name", "B"},
                           {"name_day", "02-30"},
                           {"emails", List{Value("not-an-email")}},
                           {"phones", List{Value("12")}},
                           {"client_links", List{Object{{"client_id", "c-missing"}}}}});
  EXPECT_TRUE(names(errors, "name_day"));
  EXPECT_TRUE(names(errors, "emails[0]"));
  EXPECT_TRUE(names(errors, "phones[0]"));
  EXPECT_TRUE(names(errors, "client_links[0].client_id"));
}

// ---- contacts --------------------------------------------------------------------------------

TEST_F(DecideTest, AReplyMarksTheContactItAnswers) {
  w.ok(K::contact, A::create, "k-1",
       {{"kind", "quote_request"},
        {"direction", "inbound"},
        {"occurred_at", "2026-11-20T08:00:00Z"},
        {"client_id", "c-1"},
        {"subject", "Zapytanie ofertowe"},
        {"awaits_reply", true}});
  EXPECT_EQ(w.get(K::contact, "k-1").text("operator_id"), "op-admin") << "defaults to the actor";
  w.ok(K::contact, A::create, "k-now",
       {{"kind", "phone_call"}, {"direction", "inbound"}, {"subject", "Teraz"}});
  EXPECT_EQ(*w.get(K::contact, "k-now").field("occurred_at"), Value(w.now))
      << "a contact logged without a time happened now";
  auto d = w.ok(K::contact, A::create, "k-2",
                {{"kind", "email"},
                 {"direction", "outbound"},
                 {"occurred_at", "2026-11-21T10:00:00Z"},
                 {"client_id", "c-1"},
                 {"subject", "Oferta"},
                 {"reply_to_id", "k-1"}});
  ASSERT_EQ(d.streams.size(), 2u);
  EXPECT_EQ(types(d, 1), S{"ContactReplied"});
  const Record k1 = w.get(K::contact, "k-1");
  EXPECT_EQ(k1.text("replied_by_id"), "k-2");
  EXPECT_EQ(*k1.field("awaits_reply"), Value(false));
  EXPECT_EQ(k1.field("replied_at")->get<DateTime>()->format(), "2026-11-21T10:00:00Z");

  EXPECT_TRUE(
      names(w.refused(errc::invalid_input, K::contact, A::update, "k-2", {{"reply_to_id", "k-1"}}),
            "reply_to_id"));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::contact, A::create, "k-3",
                              {{"kind", "call"},
                               {"direction", "inbound"},
                               {"occurred_at", "2026-11-21"},
                               {"subject", "x"},
                               {"reply_to_id", "k-404"}}),
                    "reply_to_id"));
}

// ---- tasks -----------------------------------------------------------------------------------

TEST_F(DecideTest, DelegatingATaskRecordsWhoDelegated) {
  w.ok(K::task, A::create, "t-1",
       {{"title", "Zadzwonić do klienta"},
        {"kind", "call"},
        {"client_id", "c-1"},
        {"assignee_id", "op-anna"}});
  Record t = w.get(K::task, "t-1");
  EXPECT_EQ(t.text("status"), "open");
  EXPECT_EQ(t.text("priority"), "normal");
  EXPECT_EQ(t.text("delegated_by_id"), "op-admin");

  w.actor = "op-anna";
  auto d = w.ok(K::task, A::update, "t-1", {{"assignee_id", "op-admin"}, {"priority", "high"}});
  EXPECT_EQ(types(d), (S{"TaskUpdated", "TaskDelegated"}));
  t = w.get(K::task, "t-1");
  EXPECT_EQ(t.text("assignee_id"), "op-admin");
  EXPECT_EQ(t.text("delegated_by_id"), "op-anna");
  w.ok(K::task, A::update, "t-1", {{"assignee_id", "op-anna"}});  // takes it back herself
  EXPECT_EQ(w.get(K::task, "t-1").text("delegated_by_id"), "");
  // A reference to a missing record names the field and the kind, in English.
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::update, "t-1",
                      {{"assignee_id", "op-nobody"}, {"service_order_id", "so-none"}}),
            (std::vector<FieldError>{
                {"assignee_id", "refers to an operator that does not exist: 'op-nobody'"},
                {"service_order_id", "refers to a service order that does not exist: 'so-none'"}}));
}

// A required text field must say something: "" or spaces are refused like a missing value, on
// create and on update; optional text may be empty.
TEST_F(DecideTest, RequiredTextMustNotBeBlank) {
  const std::vector<FieldError> blank_title{{"title", "is required and must not be blank"}};
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::create, "t-1", {{"title", ""}}),
            blank_title);
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::create, "t-1", {{"title", " \t "}}),
            blank_title);
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::device, A::create, "d-9",
                              {{"serial_number", ""}, {"client_id", "c-1"}}),
                    "serial_number"));
  w.ok(K::task, A::create, "t-1", {{"title", "Oferta"}, {"description", ""}});
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::update, "t-1", {{"title", "  "}}),
            blank_title);
  EXPECT_EQ(w.get(K::task, "t-1").text("title"), "Oferta");
}

TEST_F(DecideTest, RulesBetweenFieldsAndAgainstToday) {
  // An end before its start, on create and on a change of either; equal is fine.
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::create, "t-1",
                      {{"title", "Wizyta"},
                       {"planned_start", "2026-12-05T10:00:00Z"},
                       {"planned_end", "2026-12-05T09:00:00Z"}}),
            (std::vector<FieldError>{{"planned_end", "must not be before planned_start"}}));
  w.ok(K::task, A::create, "t-1",
       {{"title", "Wizyta"},
        {"planned_start", "2026-12-05T10:00:00Z"},
        {"planned_end", "2026-12-05T10:00:00Z"}});
  w.refused(errc::invalid_input, K::task, A::update, "t-1",
            {{"planned_start", "2026-12-06T08:00:00Z"}});
  w.ok(K::task, A::update, "t-1",
       {{"planned_end", Value{}}, {"planned_start", "2026-12-06T08:00:00Z"}});
  w.refused(errc::invalid_input, K::project, A::create, "pr-1",
            {{"name", "Ankieta"}, {"start", "2026-12-01"}, {"end", "2026-11-30"}});
  w.ok(K::campaign, A::create, "cmp-1", {{"name", "Zima"}, {"start", "2026-12-01"}});
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::campaign, A::update, "cmp-1", {{"end", "2026-01-31"}}),
      "end"));
  // A birthday to come (today is 2026-11-22 in Warsaw), a negative potential.
  EXPECT_EQ(w.refused(errc::invalid_input, K::person, A::create, "p-9",
                      {{"first_name", "Jan"}, {"last_name", "Nowak"}, {"birthday", "2026-11-23"}}),
            (std::vector<FieldError>{{"birthday", "is in the future"}}));
  w.ok(K::person, A::create, "p-9",
       {{"first_name", "Jan"}, {"last_name", "Nowak"}, {"birthday", "2026-11-22"}});
  EXPECT_EQ(w.refused(errc::invalid_input, K::client, A::update, "c-1",
                      {{"potential", Object{{"amount", "-1.00"}, {"currency", "PLN"}}}}),
            (std::vector<FieldError>{{"potential", "must not be negative"}}));
  w.ok(K::client, A::update, "c-1", {{"potential", Object{{"amount", "0"}, {"currency", "PLN"}}}});
  // An id listed twice in a reference list.
  EXPECT_EQ(w.refused(errc::invalid_input, K::project, A::create, "pr-2",
                      {{"name", "Ankieta"}, {"client_ids", List{"c-1", "c-1"}}}),
            (std::vector<FieldError>{{"client_ids", "lists 'c-1' twice"}}));
}

TEST_F(DecideTest, TaskStatusMachine) {
  w.ok(K::task, A::create, "t-1", {{"title", "Oferta"}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::task, A::update, "t-1", {{"status", "done"}}),
                    "status"))
      << "status changes only through actions";
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::task, A::create, "t-2",
                              {{"title", "x"}, {"status", "done"}}),
                    "status"));
  EXPECT_EQ(types(w.ok(K::task, A::start, "t-1")), S{"TaskStarted"});
  EXPECT_EQ(types(w.ok(K::task, A::complete, "t-1", {{"result", "Wysłano ofertę"}})),
            S{"TaskCompleted"});
  EXPECT_EQ(w.get(K::task, "t-1").text("result"), "Wysłano ofertę");
  w.refused(errc::transition_not_allowed, K::task, A::start, "t-1");
  EXPECT_EQ(types(w.ok(K::task, A::reopen, "t-1")), S{"TaskReopened"});
  EXPECT_EQ(types(w.ok(K::task, A::cancel, "t-1", {{"reason", "klient zrezygnował"}})),
            S{"TaskCancelled"});
  auto errors = w.refused(errc::transition_not_allowed, K::task, A::complete, "t-1");
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].field, "status");
  w.refused(errc::invalid_input, K::task, A::change_status, "t-1", {{"status", "open"}});
}

TEST_F(DecideTest, CompletionTimesOfTasksAndServiceOrders) {
  // completed_at: when a task was done or an order completed; cleared by reopening, kept when
  // the device is handed back; never set from input.
  w.ok(K::task, A::create, "t-1", {{"title", "Oferta"}});
  EXPECT_EQ(w.get(K::task, "t-1").field("completed_at"), nullptr);
  w.now = at("2026-11-23T10:00:00Z");
  w.ok(K::task, A::complete, "t-1");
  ASSERT_NE(w.get(K::task, "t-1").field("completed_at"), nullptr);
  EXPECT_EQ(*w.get(K::task, "t-1").field("completed_at"), Value(at("2026-11-23T10:00:00Z")));
  w.ok(K::task, A::reopen, "t-1");
  EXPECT_EQ(w.get(K::task, "t-1").field("completed_at"), nullptr);
  w.now = at("2026-11-24T11:00:00Z");
  w.ok(K::task, A::complete, "t-1");
  EXPECT_EQ(*w.get(K::task, "t-1").field("completed_at"), Value(at("2026-11-24T11:00:00Z")));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::task, A::update, "t-1",
                              {{"completed_at", "2026-11-01T00:00:00Z"}}),
                    "completed_at"));

  w.ok(K::service_order, A::create, "so-1",
       {{"client_id", "c-1"}, {"device_id", "d-1"}, {"problem", "x"}});
  for (const char* s : {"in_repair", "completed", "in_repair"})
    w.ok(K::service_order, A::change_status, "so-1", {{"status", s}});
  EXPECT_EQ(w.get(K::service_order, "so-1").field("completed_at"), nullptr) << "back in repair";
  w.now = at("2026-11-25T12:00:00Z");
  for (const char* s : {"completed", "handed_back"})
    w.ok(K::service_order, A::change_status, "so-1", {{"status", s}});
  ASSERT_NE(w.get(K::service_order, "so-1").field("completed_at"), nullptr);
  EXPECT_EQ(*w.get(K::service_order, "so-1").field("completed_at"),
            Value(at("2026-11-25T12:00:00Z")));
}

TEST_F(DecideTest, WorkLogUsesTheLocalDateAndChecksMinutes) {
  w.ok(K::task, A::create, "t-1", {{"title", "Serwis"}});
  w.now = at("2026-07-01T22:30:00Z");  // already July 2nd in Warsaw
  w.ok(K::task, A::log_work, "t-1", {{"minutes", 90}, {"note", "dojazd"}});
  w.ok(K::task, A::log_work, "t-1", {{"minutes", 30}, {"date", "2026-06-30"}});
  const List log = *w.get(K::task, "t-1").field("work_log")->get<List>();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(find(*log[0].get<Object>(), "date")->get<Date>()->format(), "2026-07-02");
  EXPECT_EQ(*find(*log[0].get<Object>(), "operator_id"), Value("op-admin"));
  EXPECT_EQ(*find(*log[1].get<Object>(), "minutes"), Value(30));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::task, A::log_work, "t-1", {{"minutes", 0}}),
                    "minutes"));
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::task, A::log_work, "t-1", {{"minutes", 1441}}), "minutes"));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::task, A::log_work, "t-1", {}), "minutes"));
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::task, A::log_work, "t-1", {{"minutes", 5}, {"hours", 1}}),
      "hours"));
  w.ok(K::task, A::cancel, "t-1");
  w.refused(errc::transition_not_allowed, K::task, A::log_work, "t-1", {{"minutes", 5}});
}

// ---- projects and campaigns ------------------------------------------------------------------

TEST_F(DecideTest, ProjectsAndCampaignsFollowTheirStatusMachine) {
  w.ok(K::campaign, A::create, "cmp-1", {{"name", "Promocja wiosenna"}, {"start", "2027-03-01"}});
  w.ok(K::project, A::create, "pr-1",
       {{"name", "Ankieta satysfakcji"},
        {"client_ids", List{Value("c-1")}},
        {"campaign_id", "cmp-1"},
        {"owner_id", "op-anna"}});
  EXPECT_EQ(w.get(K::project, "pr-1").text("status"), "planned");
  w.refused(errc::transition_not_allowed, K::project, A::change_status, "pr-1",
            {{"status", "completed"}});
  EXPECT_EQ(types(w.ok(K::project, A::change_status, "pr-1", {{"status", "active"}})),
            S{"ProjectStatusChanged"});
  w.ok(K::project, A::change_status, "pr-1",
       {{"status", "completed"}, {"note", "wszystkie ankiety zebrane"}});
  EXPECT_EQ(w.get(K::project, "pr-1").text("status"), "completed");
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::project, A::change_status, "pr-1",
                              {{"status", "finished"}}),
                    "status"));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::project, A::create, "pr-2",
                              {{"name", "x"}, {"client_ids", List{Value("c-9")}}}),
                    "client_ids[0]"));
  EXPECT_EQ(types(w.ok(K::campaign, A::change_status, "cmp-1", {{"status", "active"}})),
            S{"CampaignStatusChanged"});
}

// ---- service orders and inspections ----------------------------------------------------------

TEST_F(DecideTest, ServiceOrdersAreNumberedPerYear) {
  w.ok(K::service_order, A::create, "so-1",
       {{"client_id", "c-1"}, {"device_id", "d-1"}, {"problem", "Nie włącza się"}});
  w.ok(K::service_order, A::create, "so-2", {{"client_id", "c-1"}, {"problem", "Hałasuje"}});
  EXPECT_EQ(w.get(K::service_order, "so-1").text("number"), "ZS/2026/00001");
  EXPECT_EQ(w.get(K::service_order, "so-2").text("number"), "ZS/2026/00002");
  EXPECT_EQ(w.get(K::service_order, "so-1").text("status"), "registered");
  EXPECT_EQ(w.get(K::service_order, "so-1").field("received_at")->get<DateTime>()->format(),
            "2026-11-22T09:30:00Z");
  w.now = at("2026-12-31T23:30:00Z");  // New Year in Warsaw already
  w.ok(K::service_order, A::create, "so-3", {{"client_id", "c-1"}, {"problem", "x"}});
  EXPECT_EQ(w.get(K::service_order, "so-3").text("number"), "ZS/2027/00001");
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::service_order, A::update, "so-1", {{"number", "ZS/1"}}),
      "number"));
}

TEST_F(DecideTest, ADeviceIsHandedBackOnlyAfterCompletion) {
  w.ok(K::service_order, A::create, "so-1",
       {{"client_id", "c-1"}, {"device_id", "d-1"}, {"problem", "x"}});
  auto errors = w.refused(errc::transition_not_allowed, K::service_order, A::change_status, "so-1",
                          {{"status", "handed_back"}});
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message.find("handed back only after"), std::string::npos);
  for (const char* s :
       {"diagnosed", "in_repair", "awaiting_parts", "in_repair", "completed", "handed_back"})
    EXPECT_EQ(types(w.ok(K::service_order, A::change_status, "so-1", {{"status", s}})),
              S{"ServiceOrderStatusChanged"})
        << s;
  w.refused(errc::transition_not_allowed, K::service_order, A::change_status, "so-1",
            {{"status", "in_repair"}});
  w.refused(errc::transition_not_allowed, K::service_order, A::log_work, "so-1", {{"minutes", 10}});
}

TEST_F(DecideTest, CompletingAnInspectionsOrderPlansTheNextInspection) {
  w.ok(K::inspection, A::create, "i-1",
       {{"device_id", "d-1"}, {"due", "2026-12-01"}, {"every", Object{{"months", 6}}}});
  EXPECT_EQ(w.get(K::inspection, "i-1").text("status"), "planned");
  w.ok(K::service_order, A::create, "so-1",
       {{"client_id", "c-1"},
        {"device_id", "d-1"},
        {"problem", "przegląd okresowy"},
        {"inspection_id", "i-1"}});
  EXPECT_EQ(w.get(K::inspection, "i-1").text("status"), "in_service");
  EXPECT_EQ(w.get(K::inspection, "i-1").text("service_order_id"), "so-1");
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::service_order, A::create, "so-2",
                              {{"client_id", "c-1"}, {"problem", "x"}, {"inspection_id", "i-1"}}),
                    "inspection_id"))
      << "an inspection already in service";

  w.ok(K::service_order, A::change_status, "so-1", {{"status", "in_repair"}});
  w.now = at("2026-12-03T10:00:00Z");
  auto d = w.ok(K::service_order, A::change_status, "so-1", {{"status", "completed"}});
  ASSERT_EQ(d.streams.size(), 2u);
  EXPECT_EQ(types(d, 1), S{"InspectionCompleted"});
  const Record i = w.get(K::inspection, "i-1");
  EXPECT_EQ(i.text("status"), "planned");
  EXPECT_EQ(i.field("due")->get<Date>()->format(), "2027-06-01") << "the schedule keeps its rhythm";
  EXPECT_EQ(i.field("last_completed")->get<Date>()->format(), "2026-12-03");
  EXPECT_EQ(i.field("service_order_id"), nullptr);
}

TEST_F(DecideTest, CancellingAnInspectionsOrderPutsTheInspectionBackInPlan) {
  w.ok(K::inspection, A::create, "i-1",
       {{"device_id", "d-1"}, {"due", "2026-11-01"}, {"every", Object{{"months", 6}}}});
  w.ok(K::service_order, A::create, "so-1",
       {{"client_id", "c-1"}, {"device_id", "d-1"}, {"problem", "x"}, {"inspection_id", "i-1"}});
  auto d = w.ok(K::service_order, A::change_status, "so-1", {{"status", "cancelled"}});
  ASSERT_EQ(d.streams.size(), 2u);
  EXPECT_EQ(types(d, 1), S{"InspectionServiceCancelled"});
  const Record i = w.get(K::inspection, "i-1");
  EXPECT_EQ(i.text("status"), "planned");
  EXPECT_EQ(i.field("due")->get<Date>()->format(), "2026-11-01") << "still due, now overdue";
  EXPECT_EQ(i.field("service_order_id"), nullptr);
  EXPECT_EQ(i.field("last_completed"), nullptr);
  // Another order can now be made for it, and completing that one completes the inspection.
  w.ok(K::service_order, A::create, "so-2",
       {{"client_id", "c-1"}, {"device_id", "d-1"}, {"problem", "x"}, {"inspection_id", "i-1"}});
  EXPECT_EQ(w.get(K::inspection, "i-1").text("service_order_id"), "so-2");
  w.ok(K::service_order, A::change_status, "so-2", {{"status", "diagnosed"}});
  w.ok(K::service_order, A::change_status, "so-2", {{"status", "completed"}});
  EXPECT_EQ(w.get(K::inspection, "i-1").field("due")->get<Date>()->format(), "2027-05-01");
  // An order cancelled after its inspection moved on to another order leaves it alone.
  w.ok(K::service_order, A::create, "so-3",
       {{"client_id", "c-1"}, {"device_id", "d-1"}, {"problem", "x"}, {"inspection_id", "i-1"}});
  w.ok(K::inspection, A::complete, "i-1", {{"date", "2026-11-20"}});
  EXPECT_EQ(
      w.ok(K::service_order, A::change_status, "so-3", {{"status", "cancelled"}}).streams.size(),
      1u);
  EXPECT_EQ(w.get(K::inspection, "i-1").text("status"), "planned");
}

// A monthly inspection due on the 31st falls on a shorter month's last day and on the 31st
// again after it: completing the one of February plans the next for 31 March, not 28 March (it
// took its day from the date it was last due, and kept the 28th for good). Its rhythm counts
// from the due date last set by hand, or when the interval changed.
TEST_F(DecideTest, AMonthlyInspectionKeepsItsDayAfterAShortMonth) {
  w.ok(K::inspection, A::create, "i-1",
       {{"device_id", "d-1"}, {"due", "2027-01-31"}, {"every", Object{{"months", 1}}}});
  auto due = [&] { return w.get(K::inspection, "i-1").field("due")->get<Date>()->format(); };
  std::vector<std::string> dues;
  for (const char* done : {"2027-01-31", "2027-02-27", "2027-03-31", "2027-04-30", "2027-05-02"}) {
    w.ok(K::inspection, A::complete, "i-1", {{"date", done}});
    dues.push_back(due());
  }
  EXPECT_EQ(dues, (std::vector<std::string>{"2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31",
                                            "2027-06-30"}));
  // Rescheduled by hand to the 29th: the rhythm counts from there.
  w.ok(K::inspection, A::update, "i-1", {{"due", "2027-01-29"}});
  w.ok(K::inspection, A::complete, "i-1", {{"date", "2027-01-29"}});
  EXPECT_EQ(due(), "2027-02-28");
  w.ok(K::inspection, A::complete, "i-1", {{"date", "2027-02-28"}});
  EXPECT_EQ(due(), "2027-03-29");
  // Given another interval: counted from the date it is due then.
  w.ok(K::inspection, A::update, "i-1", {{"every", Object{{"months", 2}}}});
  w.ok(K::inspection, A::complete, "i-1", {{"date", "2027-03-29"}});
  EXPECT_EQ(due(), "2027-05-29");
  // Every 30 days: days need no anchor, but keep the same rule.
  w.ok(K::inspection, A::update, "i-1", {{"every", Object{{"days", 30}}}, {"due", "2028-02-29"}});
  w.ok(K::inspection, A::complete, "i-1", {{"date", "2028-02-29"}});
  EXPECT_EQ(due(), "2028-03-30");
}

// Dates are written with four digits of year: a recurring inspection whose next date would fall
// after 9999-12-31 is completed for good (it was planned for 10009-06-30, a date no list, query or
// input could read back: the calendar took it for one before 2026).
TEST_F(DecideTest, NoInspectionIsPlannedAfterTheYear9999) {
  w.ok(K::inspection, A::create, "i-1",
       {{"device_id", "d-1"}, {"due", "9999-06-30"}, {"every", Object{{"months", 120}}}});
  w.ok(K::inspection, A::complete, "i-1", {{"date", "9999-07-01"}});
  EXPECT_EQ(w.get(K::inspection, "i-1").text("status"), "completed");
  EXPECT_EQ(w.get(K::inspection, "i-1").field("due")->get<Date>()->format(), "9999-06-30");
  w.ok(K::inspection, A::create, "i-2",
       {{"device_id", "d-1"}, {"due", "9999-12-01"}, {"every", Object{{"days", 30}}}});
  w.ok(K::inspection, A::complete, "i-2", {{"date", "9999-12-01"}});
  EXPECT_EQ(w.get(K::inspection, "i-2").field("due")->get<Date>()->format(), "9999-12-31");
  w.ok(K::inspection, A::complete, "i-2", {{"date", "9999-12-31"}});
  EXPECT_EQ(w.get(K::inspection, "i-2").text("status"), "completed");
}

TEST_F(DecideTest, OneOffAndOverdueInspections) {
  w.ok(K::inspection, A::create, "i-1", {{"device_id", "d-1"}, {"due", "2026-10-01"}});
  w.ok(K::inspection, A::complete, "i-1", {{"date", "2026-10-05"}});
  EXPECT_EQ(w.get(K::inspection, "i-1").text("status"), "completed");
  w.refused(errc::transition_not_allowed, K::inspection, A::complete, "i-1");

  // Done long after it was due: periods that already passed are skipped.
  w.ok(K::inspection, A::create, "i-2",
       {{"device_id", "d-1"}, {"due", "2026-01-10"}, {"every", Object{{"days", 30}}}});
  w.ok(K::inspection, A::complete, "i-2", {{"date", "2026-03-20"}});
  EXPECT_EQ(w.get(K::inspection, "i-2").field("due")->get<Date>()->format(), "2026-04-10");
  w.ok(K::inspection, A::cancel, "i-2");
  EXPECT_EQ(w.get(K::inspection, "i-2").text("status"), "cancelled");
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::inspection, A::create, "i-3",
                {{"device_id", "d-1"}, {"due", "2026-01-10"}, {"every", Object{{"weeks", 2}}}}),
      "every"));
}

// ---- trade documents and turnover ------------------------------------------------------------

TEST_F(DecideTest, InvoicesFeedTheClientsRollingTurnover) {
  auto invoice = [&](const char* id, const char* date, const char* net) {
    return w.ok(K::trade_document, A::create, id,
                {{"type", "invoice"},
                 {"number", std::string("FV/") + id},
                 {"date", date},
                 {"net", money(net)},
                 {"client_id", "c-1"}});
  };
  auto d = invoice("fv-1", "2025-11-22", "1000.00");  // exactly 12 months before: outside
  EXPECT_EQ(types(d, 1), S{"TurnoverRecorded"});
  invoice("fv-2", "2026-01-15", "2500.50");
  invoice("fv-3", "2026-11-22", "99.50");
  w.ok(K::trade_document, A::create, "wz-1",
       {{"type", "stock_issue"},
        {"number", "WZ/1"},
        {"date", "2026-05-01"},
        {"net", money("5000")},
        {"client_id", "c-1"}});
  const Money t = turnover_12m(w.get(K::client, "c-1"), *Date::parse("2026-11-22"));
  EXPECT_EQ(t.amount.format(2), "2600.00");
  EXPECT_EQ(t.currency, "PLN");
  EXPECT_EQ(turnover_12m(w.get(K::client, "c-1"), *Date::parse("2025-12-01")).amount.format(2),
            "1000.00");
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::trade_document, A::update, "fv-2", {{"net", money("1")}}),
      "net"))
      << "a document's amount is immutable";
  w.ok(K::task, A::create, "t-1", {{"title", "Windykacja"}});
  w.ok(K::trade_document, A::update, "fv-2", {{"task_id", "t-1"}});
}

// Between two of its change days the figure stays the same, on each of them an invoice enters
// or leaves it: checked day by day over three years (a leap day among the invoices' dates).
TEST(TurnoverTest, TheTurnoverChangesOnlyOnItsChangeDays) {
  Record client;
  List entries;
  for (const char* date : {"2024-02-29", "2024-03-31", "2024-08-31", "2025-01-31", "2025-03-01"})
    entries.push_back(Object{{"date", *Date::parse(date)}, {"net", Money{Decimal{1}, "PLN"}}});
  entries.push_back(Object{{"date", *Date::parse("2024-06-15")}});  // no net: never counted
  client.core = {{"turnover_entries", entries}};
  const auto changes = turnover_12m_changes(client);
  EXPECT_EQ(changes.size(), 9u);
  EXPECT_TRUE(std::is_sorted(changes.begin(), changes.end()));
  EXPECT_EQ(changes.front(), *Date::parse("2024-02-29"));
  EXPECT_EQ(changes.back(), *Date::parse("2026-03-01")) << "a year after 1 March 2025";
  EXPECT_NE(std::find(changes.begin(), changes.end(), *Date::parse("2025-03-01")), changes.end())
      << "the leap day's invoice leaves on 1 March 2025 as the next one enters";
  const Date first = *Date::parse("2024-01-01"), last = *Date::parse("2026-12-31");
  size_t moved = 0;
  for (Date day = first.add_days(1); day <= last; day = day.add_days(1)) {
    const bool change = std::find(changes.begin(), changes.end(), day) != changes.end();
    const auto today = turnover_12m(client, day).amount.units;
    const auto before = turnover_12m(client, day.add_days(-1)).amount.units;
    if (!change) {
      EXPECT_EQ(today, before) << day.format();
    }
    moved += today != before;
  }
  EXPECT_EQ(moved, 8u) << "every change day moves the figure but 1 March 2025 (one in, one out)";
}

// ---- operators -------------------------------------------------------------------------------

TEST_F(DecideTest, OperatorLoginsAreUniqueAndDeactivationIsExplicit) {
  auto d = w.ok(K::operator_, A::create, "op-3",
                {{"login", "jan.k"}, {"name", "Jan K"}, {"role", "manager"}}, "argon2id$hash");
  EXPECT_EQ(types(d, 1), S{"LoginReserved"});
  EXPECT_EQ(w.get(K::operator_, "op-3").text("password_hash"), "argon2id$hash");
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::operator_, A::create, "op-4",
                              {{"login", "jan.k"}, {"name", "Another"}, {"role", "operator"}}),
                    "login"));
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::operator_, A::create, "op-5",
                              {{"login", "Jan K"}, {"name", "x"}, {"role", "operator"}}),
                    "login"));
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::operator_, A::update, "op-3", {{"password_hash", "x"}}),
      "password_hash"));
  EXPECT_EQ(types(w.ok(K::operator_, A::update, "op-3", {{"active", false}})),
            S{"OperatorDeactivated"});
  EXPECT_EQ(types(w.ok(K::operator_, A::set_password, "op-3", {}, "argon2id$new")),
            S{"PasswordChanged"});
  EXPECT_EQ(w.get(K::operator_, "op-3").text("password_hash"), "argon2id$new");

  // No new work goes to an operator who has left; what they did stays theirs.
  const std::vector<FieldError> left{
      {"assignee_id", "refers to an operator who is no longer active"}};
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::create, "t-1",
                      {{"title", "Oferta"}, {"assignee_id", "op-3"}}),
            left);
  w.ok(K::task, A::create, "t-1", {{"title", "Oferta"}, {"assignee_id", "op-anna"}});
  EXPECT_EQ(w.refused(errc::invalid_input, K::task, A::update, "t-1", {{"assignee_id", "op-3"}}),
            left);
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::client, A::update, "c-1", {{"account_manager_id", "op-3"}}),
      "account_manager_id"));
  w.ok(K::contact, A::create, "k-1",
       {{"kind", "note"}, {"direction", "internal"}, {"subject", "x"}, {"operator_id", "op-3"}});
  w.ok(K::operator_, A::update, "op-3", {{"active", true}});
  w.ok(K::task, A::update, "t-1", {{"assignee_id", "op-3"}});
}

// ---- custom fields ---------------------------------------------------------------------------

TEST_F(DecideTest, CustomFieldsAreDefinedValidatedAndRetired) {
  w.ok(K::field_catalog, A::define_field, "client",
       {{"key", "segment"},
        {"label", "Segment"},
        {"type", "choice"},
        {"options", List{Value("A"), Value("B")}}});
  w.ok(
      K::field_catalog, A::define_field, "client",
      {{"key", "employees"}, {"label", "Liczba pracowników"}, {"type", "integer"}, {"default", 1}});
  w.ok(K::field_catalog, A::define_field, "client",
       {{"key", "parent"}, {"label", "Centrala"}, {"type", "reference"}, {"target", "client"}});

  w.ok(K::client, A::create, "c-2",
       {{"name", "Nowy"}, {"fields", Object{{"segment", "A"}, {"parent", "c-1"}}}});
  Record c = w.get(K::client, "c-2");
  EXPECT_EQ(*find(c.custom, "segment"), Value("A"));
  EXPECT_EQ(*find(c.custom, "employees"), Value(1)) << "default";

  auto errors = w.refused(
      errc::invalid_input, K::client, A::update, "c-2",
      {{"fields",
        Object{{"segment", "C"}, {"size", 3}, {"employees", "many"}, {"parent", "c-404"}}}});
  EXPECT_TRUE(names(errors, "fields.segment"));
  EXPECT_TRUE(names(errors, "fields.size")) << "unknown custom field";
  EXPECT_TRUE(names(errors, "fields.employees"));
  EXPECT_TRUE(names(errors, "fields.parent"));

  // Options change: new input follows the new options, the stored value stays readable.
  w.ok(K::field_catalog, A::change_field, "client",
       {{"key", "segment"}, {"options", List{Value("B"), Value("C")}}, {"label", "Segment rynku"}});
  w.ok(K::client, A::update, "c-1", {{"fields", Object{{"segment", "C"}}}});
  EXPECT_EQ(*find(w.get(K::client, "c-2").custom, "segment"), Value("A"));
  w.ok(K::field_catalog, A::retire_field, "client", {{"key", "segment"}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::client, A::update, "c-2",
                              {{"fields", Object{{"segment", "B"}}}}),
                    "fields.segment"));
  EXPECT_EQ(*find(w.get(K::client, "c-2").custom, "segment"), Value("A")) << "old values stay";
  const auto specs = custom_fields(w.get(K::field_catalog, "client"));
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_TRUE(specs[0].retired);
  EXPECT_EQ(specs[0].label, "Segment rynku");
}

TEST_F(DecideTest, CustomFieldDefinitionsAreChecked) {
  auto define = [&](Object input) {
    return w.refused(errc::invalid_input, K::field_catalog, A::define_field, "client",
                     std::move(input));
  };
  EXPECT_TRUE(names(define({{"key", "Segment"}, {"label", "x"}, {"type", "text"}}), "key"));
  EXPECT_TRUE(names(define({{"key", "name"}, {"label", "x"}, {"type", "text"}}), "key"))
      << "built-in name";
  EXPECT_TRUE(names(define({{"key", "s"}, {"label", "x"}, {"type", "tax_id"}}), "type"))
      << "core-only type";
  EXPECT_TRUE(names(define({{"key", "s"}, {"label", "x"}, {"type", "choice"}}), "options"));
  EXPECT_TRUE(names(define({{"key", "s"}, {"label", "x"}, {"type", "reference"}}), "target"));
  EXPECT_TRUE(names(define({{"key", "s"}, {"label", "x"}, {"type", "integer"}, {"default", "ten"}}),
                    "default"));
  EXPECT_TRUE(names(define({{"key", "s"}, {"type", "text"}}), "label"));
  w.refused(errc::invalid_input, K::field_catalog, A::define_field, "operator",
            {{"key", "s"}, {"label", "x"}, {"type", "text"}});
  w.ok(K::field_catalog, A::define_field, "task",
       {{"key", "budget"}, {"label", "Budżet"}, {"type", "money"}, {"required", true}});
  // Each entity kind has its own catalog: the same key is free on clients.
  w.ok(K::field_catalog, A::define_field, "client",
       {{"key", "budget"}, {"label", "x"}, {"type", "text"}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::task, A::create, "t-9", {{"title", "x"}}),
                    "fields.budget"))
      << "a required custom field";
  w.ok(K::task, A::create, "t-9", {{"title", "x"}, {"fields", Object{{"budget", money("100")}}}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::field_catalog, A::change_field, "task",
                              {{"key", "budget"}, {"type", "text"}}),
                    "type"));
  w.refused(errc::not_found, K::field_catalog, A::retire_field, "task", {{"key", "nope"}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::operator_, A::update, "op-anna",
                              {{"fields", Object{{"x", 1}}}}),
                    "fields"));
}

// ---- task kinds ------------------------------------------------------------------------------

TEST_F(DecideTest, TaskKindsAreAListTheManagersKeep) {
  const auto kinds = [&] { return task_kinds(w.get(K::field_catalog, "task")); };
  ASSERT_EQ(kinds().size(), 7u) << "the built-in list";
  EXPECT_EQ(kinds()[0], (TaskKind{"call", "Telefon"}));
  w.ok(K::task, A::create, "t-2", {{"title", "Oddzwonić"}, {"kind", "call"}});
  w.ok(K::task, A::create, "t-3", {{"title", "Bez rodzaju"}});
  EXPECT_EQ(w.get(K::task, "t-3").text("kind"), "other");
  auto errors = w.refused(errc::invalid_input, K::task, A::create, "t-4",
                          {{"title", "Szkolenie"}, {"kind", "training"}});
  ASSERT_TRUE(names(errors, "kind"));
  EXPECT_NE(errors[0].message.find("call, meeting"), std::string::npos) << errors[0].message;

  w.ok(K::field_catalog, A::define_task_kind, "task",
       {{"key", "training"}, {"label", "Szkolenie"}});
  EXPECT_EQ(w.log().back(), "TaskKindDefined");
  ASSERT_EQ(kinds().size(), 8u) << "the built-in kinds stay beside the new one";
  EXPECT_EQ(kinds().back(), (TaskKind{"training", "Szkolenie"}));
  w.ok(K::task, A::create, "t-4", {{"title", "Szkolenie"}, {"kind", "training"}});

  auto define = [&](Object input) {
    return w.refused(errc::invalid_input, K::field_catalog, A::define_task_kind, "task",
                     std::move(input));
  };
  EXPECT_TRUE(names(define({{"key", "training"}, {"label", "Kurs"}}), "key")) << "defined";
  EXPECT_TRUE(names(define({{"key", "Kurs"}, {"label", "Kurs"}}), "key")) << "not a key";
  EXPECT_TRUE(names(define({{"key", "phone"}, {"label", "Telefon"}}), "label")) << "call's";
  EXPECT_TRUE(names(define({{"key", "course"}}), "label"));
  EXPECT_TRUE(names(define({{"key", "course"}, {"label", "Kurs"}, {"retired", true}}), "retired"));
  w.refused(errc::invalid_input, K::field_catalog, A::define_task_kind, "client",
            {{"key", "course"}, {"label", "Kurs"}});
  w.refused(errc::not_found, K::field_catalog, A::change_task_kind, "task",
            {{"key", "course"}, {"label", "Kurs"}});
  EXPECT_TRUE(names(w.refused(errc::invalid_input, K::field_catalog, A::change_task_kind, "task",
                              {{"key", "other"}, {"retired", true}}),
                    "retired"))
      << "the default kind stays";

  // Retired: no new tasks of the kind, while those that have it keep it and can change.
  w.ok(K::field_catalog, A::change_task_kind, "task",
       {{"key", "training"}, {"label", "Szkolenie BHP"}, {"retired", true}});
  EXPECT_EQ(w.log().back(), "TaskKindRetired");
  EXPECT_EQ(kinds().back(), (TaskKind{"training", "Szkolenie BHP", true}));
  EXPECT_TRUE(names(
      w.refused(errc::invalid_input, K::task, A::update, "t-2", {{"kind", "training"}}), "kind"));
  w.ok(K::task, A::update, "t-4", {{"title", "Szkolenie okresowe"}});
  EXPECT_EQ(w.get(K::task, "t-4").text("kind"), "training");
  EXPECT_TRUE(
      w.ok(K::field_catalog, A::change_task_kind, "task", {{"key", "training"}, {"retired", true}})
          .empty())
      << "nothing to change";
  w.ok(K::field_catalog, A::change_task_kind, "task", {{"key", "training"}, {"retired", false}});
  EXPECT_EQ(w.log().back(), "TaskKindReinstated");
  w.ok(K::task, A::update, "t-2", {{"kind", "training"}});
}

}  // namespace
}  // namespace crm::domain::test
