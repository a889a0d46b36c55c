#include "demo/generator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "application/command_handler.h"
#include "domain/fields.h"
#include "eventstore/event_store.h"

namespace crm::demo {
namespace {

using domain::Action;
using domain::Date;
using domain::DateTime;
using domain::List;
using domain::Object;
using domain::Value;
using K = domain::EntityKind;

constexpr int64_t kDay = 86'400'000'000LL;
constexpr int64_t kHour = kDay / 24;
constexpr int64_t kMinute = kHour / 60;
constexpr int64_t kWorkStart = 7 * kHour, kWorkingDay = 9 * kHour;

struct City {
  const char* name;
  const char* postal_prefix;
  const char* area_code;
};
constexpr City kCities[] = {
    {"Warszawa", "00", "22"},    {"Kraków", "31", "12"},      {"Łódź", "90", "42"},
    {"Wrocław", "50", "71"},     {"Poznań", "60", "61"},      {"Gdańsk", "80", "58"},
    {"Szczecin", "70", "91"},    {"Bydgoszcz", "85", "52"},   {"Lublin", "20", "81"},
    {"Białystok", "15", "85"},   {"Katowice", "40", "32"},    {"Gdynia", "81", "58"},
    {"Częstochowa", "42", "34"}, {"Radom", "26", "48"},       {"Toruń", "87", "56"},
    {"Kielce", "25", "41"},      {"Rzeszów", "35", "17"},     {"Olsztyn", "10", "89"},
    {"Opole", "45", "77"},       {"Zielona Góra", "65", "68"}};
constexpr const char* kStreets[] = {
    "Piotrkowska",  "Marszałkowska", "Długa",    "Kościuszki",  "Mickiewicza",
    "Słowackiego",  "Polna",         "Leśna",    "Ogrodowa",    "Jana Pawła II",
    "Sienkiewicza", "Żeromskiego",   "Kolejowa", "Przemysłowa", "Wojska Polskiego",
    "Grunwaldzka",  "Świętokrzyska", "Łąkowa",   "Źródlana",    "Rynek"};
// A kind of company with the ending an adjective of its trade takes to agree with it: Zakład
// Handlowy, Hurtownia Handlowa, Przedsiębiorstwo Handlowe.
struct CompanyKind {
  const char* name;
  char ending;  // of an adjective: masculine y, feminine a, neuter e
};
constexpr CompanyKind kCompanyKinds[] = {
    {"Zakład", 'y'},   {"Przedsiębiorstwo", 'e'}, {"Hurtownia", 'a'}, {"Fabryka", 'a'},
    {"Biuro", 'e'},    {"Pracownia", 'a'},        {"Centrum", 'e'},   {"Spółdzielnia", 'a'},
    {"Warsztat", 'y'}, {"Drukarnia", 'a'}};
// A trade: a noun in the genitive (Mebli), or an adjective in the neuter (Handlowe), which takes
// the ending of the kind of company.
constexpr const char* kCompanyTrades[] = {"Mebli",
                                          "Stali",
                                          "Opakowań",
                                          "Elektroniki",
                                          "Budowlane",
                                          "Transportowe",
                                          "Handlowe",
                                          "Rolne",
                                          "Usług Informatycznych",
                                          "Chemii Gospodarczej",
                                          "Materiałów Biurowych",
                                          "Instalacji Grzewczych",
                                          "Części Zamiennych",
                                          "Artykułów Spożywczych",
                                          "Maszyn Rolniczych"};
constexpr const char* kSources[] = {"polecenie", "targi", "internet", "telefon"};
constexpr const char* kLegalForms[] = {"sp. z o.o.", "S.A.", "sp.j.", "s.c.", "sp. k."};

struct FirstName {
  const char* name;
  const char* name_day;
  bool female;
};
constexpr FirstName kFirstNames[] = {
    {"Anna", "07-26", true},       {"Maria", "09-12", true},      {"Katarzyna", "11-25", true},
    {"Małgorzata", "07-13", true}, {"Agnieszka", "01-21", true},  {"Barbara", "12-04", true},
    {"Ewa", "12-24", true},        {"Krystyna", "07-24", true},   {"Elżbieta", "11-19", true},
    {"Zofia", "05-15", true},      {"Joanna", "05-30", true},     {"Magdalena", "07-22", true},
    {"Jan", "06-24", false},       {"Piotr", "06-29", false},     {"Andrzej", "11-30", false},
    {"Krzysztof", "07-25", false}, {"Stanisław", "05-08", false}, {"Tomasz", "12-21", false},
    {"Paweł", "06-29", false},     {"Józef", "03-19", false},     {"Marcin", "11-11", false},
    {"Marek", "04-25", false},     {"Michał", "09-29", false},    {"Grzegorz", "03-12", false},
    {"Wojciech", "04-23", false},  {"Łukasz", "10-18", false},    {"Mateusz", "09-21", false},
    {"Jacek", "08-17", false}};
struct Surname {
  const char* male;
  const char* female;
};
constexpr Surname kSurnames[] = {{"Nowak", "Nowak"},
                                 {"Kowalski", "Kowalska"},
                                 {"Wiśniewski", "Wiśniewska"},
                                 {"Wójcik", "Wójcik"},
                                 {"Kowalczyk", "Kowalczyk"},
                                 {"Kamiński", "Kamińska"},
                                 {"Lewandowski", "Lewandowska"},
                                 {"Zieliński", "Zielińska"},
                                 {"Szymański", "Szymańska"},
                                 {"Woźniak", "Woźniak"},
                                 {"Dąbrowski", "Dąbrowska"},
                                 {"Kozłowski", "Kozłowska"},
                                 {"Jankowski", "Jankowska"},
                                 {"Mazur", "Mazur"},
                                 {"Kwiatkowski", "Kwiatkowska"},
                                 {"Krawczyk", "Krawczyk"},
                                 {"Piotrowski", "Piotrowska"},
                                 {"Grabowski", "Grabowska"},
                                 {"Pawłowski", "Pawłowska"},
                                 {"Michalski", "Michalska"},
                                 {"Król", "Król"},
                                 {"Wieczorek", "Wieczorek"},
                                 {"Jabłoński", "Jabłońska"},
                                 {"Wróbel", "Wróbel"},
                                 {"Żak", "Żak"},
                                 {"Górski", "Górska"},
                                 {"Sikora", "Sikora"}};
struct Position {
  const char* male;
  const char* female;
};
constexpr Position kPositions[] = {
    {"Prezes Zarządu", "Prezes Zarządu"},
    {"Dyrektor handlowy", "Dyrektor handlowa"},
    {"Kierownik zakupów", "Kierowniczka zakupów"},
    {"Główny księgowy", "Główna księgowa"},
    {"Specjalista ds. zaopatrzenia", "Specjalistka ds. zaopatrzenia"},
    {"Kierownik serwisu", "Kierowniczka serwisu"},
    {"Właściciel", "Właścicielka"},
    {"Asystent zarządu", "Asystentka zarządu"},
    {"Kierownik produkcji", "Kierowniczka produkcji"},
    {"Informatyk", "Informatyczka"}};
// A task's kind and the titles an operator gives such a task.
struct TaskKind {
  const char* kind;
  const char* titles[3];
};
constexpr TaskKind kTaskKinds[] = {
    {"call",
     {"Zadzwonić w sprawie oferty", "Przypomnieć o płatności", "Potwierdzić termin dostawy"}},
    {"meeting", {"Spotkanie handlowe", "Omówić warunki umowy", "Prezentacja nowej oferty"}},
    {"send_materials", {"Wysłać katalog produktów", "Wysłać cennik", "Wysłać próbki"}},
    {"complaint",
     {"Rozpatrzyć reklamację", "Odpowiedzieć na reklamację", "Uzgodnić wymianę towaru"}},
    {"tender",
     {"Przygotować dokumenty przetargowe", "Złożyć ofertę przetargową", "Zadać pytania do SIWZ"}},
    {"offer", {"Przygotować ofertę cenową", "Zaktualizować ofertę", "Negocjować rabat"}},
    {"other", {"Ankieta satysfakcji", "Zaktualizować dane klienta", "Sprawdzić należności"}}};
constexpr const char* kSubjects[] = {
    "Zapytanie o cenę",    "Termin dostawy",           "Reklamacja dostawy",
    "Oferta handlowa",     "Potwierdzenie zamówienia", "Faktura korygująca",
    "Umówienie spotkania", "Warunki współpracy",       "Nowy katalog",
    "Przegląd urządzenia"};
constexpr const char* kProblems[] = {"Urządzenie nie włącza się",
                                     "Głośna praca silnika",
                                     "Wyciek płynu",
                                     "Błąd E42 na wyświetlaczu",
                                     "Przegląd okresowy",
                                     "Uszkodzona obudowa",
                                     "Nie drukuje",
                                     "Przegrzewa się",
                                     "Brak zasilania",
                                     "Wymiana filtra"};
// A device's model, its maker and the range of its power in tenths of a kW.
struct DeviceModel {
  const char* model;
  const char* manufacturer;
  int min_power, max_power;
};
constexpr DeviceModel kDeviceModels[] = {{"Kocioł gazowy Vitodens 100-W", "Viessmann", 190, 350},
                                         {"Kocioł gazowy Termet Ecocondens", "Termet", 200, 250},
                                         {"Sprężarka śrubowa SM 12", "Kaeser", 55, 110},
                                         {"Klimatyzator Sensira 3.5", "Daikin", 35, 35},
                                         {"Pompa ciepła Altherma 3", "Daikin", 40, 160},
                                         {"Wózek widłowy EFG 216", "Jungheinrich", 50, 90},
                                         {"Drukarka EcoTank L3250", "Epson", 1, 2},
                                         {"Kasa fiskalna Bono Online", "Novitus", 1, 1}};

std::string ascii(std::string_view s) {
  static const std::pair<const char*, char> map[] = {
      {"ą", 'a'}, {"ć", 'c'}, {"ę", 'e'}, {"ł", 'l'}, {"ń", 'n'}, {"ó", 'o'},
      {"ś", 's'}, {"ź", 'z'}, {"ż", 'z'}, {"Ą", 'a'}, {"Ć", 'c'}, {"Ę", 'e'},
      {"Ł", 'l'}, {"Ń", 'n'}, {"Ó", 'o'}, {"Ś", 's'}, {"Ź", 'z'}, {"Ż", 'z'}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    for (const auto& [pl, a] : map)
      if (s.substr(i, 2) == pl) {
        out.push_back(a);
        i += 2;
        done = true;
        break;
      }
    if (done) continue;
    const char c = s[i++];
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      out.push_back(c);
    else if (c >= 'A' && c <= 'Z')
      out.push_back(static_cast<char>(c - 'A' + 'a'));
  }
  return out;
}

// Every record a command may refer to stays loaded: the generator picks them at random, and
// rebuilding a large dataset's clients from the log again and again is most of the work.
size_t kept_records(const Scale& s) {
  return static_cast<size_t>(s.operators + s.campaigns + s.clients + s.persons + s.devices +
                             s.projects) +
         1000;
}

class Generator {
 public:
  Generator(eventstore::EventStore& store, const Options& o)
      : store_(store),
        options_(o),
        rng_(o.seed),
        handler_(store, application::Options{[this] { return now_; }, kept_records(o.scale)}) {
    const auto& s = o.scale;
    // Commands per record as the small dataset has them: a fifth of persons get a relation, one
    // contact in eleven a reply, a task three and three quarters commands on average.
    planned_ = s.operators + s.campaigns + s.clients * 2 + s.persons + s.persons / 5 +
               s.devices * 2 + s.projects * 2 + s.contacts + s.contacts / 11 + s.tasks * 15 / 4 +
               s.service_orders * 4 + s.clients * 3;
    start_ = o.today_us - 730 * kDay;
    now_ = start_;
  }

  Report run() {
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t head0 = store_.head();
    const auto& s = options_.scale;
    // Set-up: the working hours of the first two months of the two years. Everything is done in
    // working hours (Monday to Friday, 7:00-16:00 UTC): a client registered at three in the
    // morning is not what a company's history looks like.
    int64_t setup_days = 0;
    for (int64_t d = now_ / kDay; d < now_ / kDay + 60; ++d)
      setup_days += working_day(Date{static_cast<int32_t>(d)}) ? 1 : 0;
    step_ = setup_days * kWorkingDay /
            std::max<int64_t>(1, s.operators + s.campaigns + s.clients + s.persons + s.devices + 8);
    staff();
    custom_fields();
    for (int i = 0; i < s.campaigns; ++i) campaign(i);
    for (int i = 0; i < s.clients; ++i) client(i);
    for (int i = 0; i < s.persons; ++i) person(i);
    for (int i = 0; i < s.devices; ++i) device(i);
    // Daily work: everything else, interleaved, until today. The clock follows the share of the
    // work begun and a command moves it on by an eighth of an activity's share on average (an
    // activity is a few commands, some now and some later), so the last ones do not pile up at
    // today's midnight: 2,000 events of the small dataset did when each command moved the clock by
    // half an activity's share.
    const int64_t activity = s.contacts + s.tasks + s.service_orders + s.projects + s.clients * 3;
    std::vector<int32_t> days;  // the working days left
    for (auto d = static_cast<int32_t>(now_ / kDay + 1); d < options_.today_us / kDay; ++d)
      if (working_day(Date{d})) days.push_back(d);
    const double span = static_cast<double>(days.size()) * kWorkingDay;
    step_ = static_cast<int64_t>(span / static_cast<double>(std::max<int64_t>(1, activity * 8)));
    int contacts = 0, tasks = 0, orders = 0, projects = 0, documents = 0;
    for (int64_t n = 0; n < activity && !days.empty(); ++n) {
      const auto worked =
          static_cast<int64_t>(span * static_cast<double>(n) / static_cast<double>(activity));
      now_ = std::max(now_, days[static_cast<size_t>(worked / kWorkingDay)] * kDay + kWorkStart +
                                worked % kWorkingDay);
      run_due();
      const int64_t r = pick(activity - n);
      int64_t left = r;
      if ((left -= s.contacts - contacts) < 0)
        contact(contacts++);
      else if ((left -= s.tasks - tasks) < 0)
        task(tasks++);
      else if ((left -= s.service_orders - orders) < 0)
        service_order(orders++);
      else if ((left -= s.projects - projects) < 0)
        project(projects++);
      else
        trade_document(documents++);
    }
    run_due();
    report_.events = store_.head() - head0;
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report_;
  }

 private:
  int64_t pick(int64_t n) {
    return n <= 1 ? 0 : static_cast<int64_t>(rng_() % static_cast<uint64_t>(n));
  }
  bool chance(int percent) { return pick(100) < percent; }
  template <class T, size_t N>
  const T& any(const T (&items)[N]) {
    return items[pick(N)];
  }
  Date today() const { return Date{static_cast<int32_t>(now_ / kDay)}; }
  static bool working_day(Date d) { return (d.days + 3) % 7 < 5; }  // 1970-01-01 was a Thursday
  // The first working day from d on: a visit or a task is planned for one.
  static Date working(Date d) {
    while (!working_day(d)) d = d.add_days(1);
    return d;
  }
  // The working day n working days after d (d itself, or the next one, for 0).
  static Date working_days_on(Date d, int n) {
    d = working(d);
    while (n-- > 0) d = working(d.add_days(1));
    return d;
  }
  // t if it falls in working hours, else a time of the next working day (spread over its hours
  // as t is, so what waited over a night or a weekend does not all happen at 7:00).
  static int64_t working_time(int64_t t) {
    const Date day{static_cast<int32_t>(t / kDay)};
    const int64_t in_day = t % kDay;
    if (working_day(day) && in_day >= kWorkStart && in_day < kWorkStart + kWorkingDay) return t;
    const Date next = working_day(day) && in_day < kWorkStart ? day : working(day.add_days(1));
    return next.days * kDay + kWorkStart + t % kWorkingDay;
  }
  void at(int64_t when, std::function<void()> step) {
    later_.emplace(working_time(when), std::move(step));
  }
  void run_due() {
    while (!later_.empty() && later_.begin()->first <= now_) {
      auto step = std::move(later_.begin()->second);
      later_.erase(later_.begin());
      step();
    }
  }
  std::string op() { return "op" + std::to_string(1 + pick(options_.scale.operators - 1)); }

  bool cmd(K kind, Action action, const std::string& id, Object input,
           const std::string& actor = "op0", std::string secret = {}) {
    now_ += step_ / 2 + pick(step_ + 1);
    now_ = working_time(now_);
    if (now_ > options_.today_us) now_ = options_.today_us;
    domain::Command c{kind, action, id, std::move(input), actor, {}, std::move(secret)};
    auto r = handler_.handle(std::move(c));
    ++report_.commands;
    if (!r) {
      ++report_.refused;
      if (report_.refused <= 5)
        std::fprintf(
            stderr, "demo: %s %s %s refused: %s\n", std::string(domain::name_of(kind)).c_str(),
            std::string(domain::name_of(action)).c_str(), id.c_str(), r.error().message.c_str());
    }
    if (options_.progress && report_.commands % 10'000 == 0)
      options_.progress(report_.commands, planned_);
    return static_cast<bool>(r);
  }

  Value phone(const City& city) {
    char buf[32];
    if (chance(60))
      std::snprintf(buf, sizeof buf, "+48 %d%02d %03d %03d", static_cast<int>(5 + pick(4)),
                    static_cast<int>(pick(100)), static_cast<int>(pick(1000)),
                    static_cast<int>(pick(1000)));
    else
      std::snprintf(buf, sizeof buf, "+48 %s %03d %02d %02d", city.area_code,
                    static_cast<int>(pick(1000)), static_cast<int>(pick(100)),
                    static_cast<int>(pick(100)));
    return Value(std::string(buf));
  }

  std::string nip() {
    for (;;) {
      char digits[11];
      std::snprintf(digits, sizeof digits, "%03d%06d", static_cast<int>(100 + pick(900)),
                    static_cast<int>(pick(1'000'000)));
      const int check = domain::nip_check_digit(std::string_view(digits, 9));
      if (check < 0) continue;
      std::string s(digits, 9);
      s.push_back(static_cast<char>('0' + check));
      return s.substr(0, 3) + "-" + s.substr(3, 3) + "-" + s.substr(6, 2) + "-" + s.substr(8, 2);
    }
  }

  Value money(int64_t whole, int cents = 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02d", static_cast<long long>(whole), cents);
    return Object{{"amount", std::string(buf)}, {"currency", "PLN"}};
  }

  void staff() {
    const int n = options_.scale.operators;
    cmd(K::operator_, Action::create, "op0",
        {{"login", "kierownik"}, {"name", "Kierownik Sprzedaży"}, {"role", "manager"}});
    for (int i = 1; i < n; ++i) {
      const auto& f = any(kFirstNames);
      const auto& s = any(kSurnames);
      const std::string name = std::string(f.name) + " " + (f.female ? s.female : s.male);
      const char* role = i % 10 == 0 ? "manager" : i == 1 ? "auditor" : "operator";
      cmd(K::operator_, Action::create, "op" + std::to_string(i),
          {{"login", ascii(f.name) + "." + ascii(f.female ? s.female : s.male) + std::to_string(i)},
           {"name", name},
           {"role", role},
           {"supervisor_id", "op0"}});
    }
  }

  void custom_fields() {
    cmd(K::field_catalog, Action::define_field, "client",
        {{"key", "segment"},
         {"label", "Segment"},
         {"type", "choice"},
         {"options", List{Value("A"), Value("B"), Value("C")}}});
    cmd(K::field_catalog, Action::define_field, "client",
        {{"key", "source"},
         {"label", "Źródło pozyskania"},
         {"type", "choice"},
         {"options",
          List{Value("polecenie"), Value("targi"), Value("internet"), Value("telefon")}}});
    cmd(K::field_catalog, Action::define_field, "device",
        {{"key", "power_kw"}, {"label", "Moc [kW]"}, {"type", "decimal"}});
  }

  void campaign(int i) {
    cmd(K::campaign, Action::create, "cmp" + std::to_string(i),
        {{"name",
          std::string("Kampania ") + any(kCompanyTrades) + " " + std::to_string(2025 + i % 2)},
         {"goal", "Zwiększenie sprzedaży w segmencie"},
         {"owner_id", "op0"},
         {"start", today().format()},
         {"end", today().add_months(6 + static_cast<int>(pick(12))).format()}});
    if (chance(70))
      cmd(K::campaign, Action::change_status, "cmp" + std::to_string(i), {{"status", "active"}},
          "op0");
  }

  void client(int i) {
    const City& city = any(kCities);
    const auto& s = any(kSurnames);
    const std::string trade = any(kCompanyTrades);
    const CompanyKind& kind = any(kCompanyKinds);
    std::string agreed = trade;
    if (agreed.ends_with('e')) agreed.back() = kind.ending;
    const std::string name = std::string(kind.name) + " " + agreed + " " +
                             (chance(50) ? std::string(s.male) : std::string(city.name)) + " " +
                             any(kLegalForms);
    const std::string domain = ascii(s.male) + "-" + ascii(trade).substr(0, 6) + ".pl";
    char postal[8];
    std::snprintf(postal, sizeof postal, "%s-%03d", city.postal_prefix,
                  static_cast<int>(pick(1000)));
    List roles{Value("customer")};
    if (chance(15)) roles.push_back(Value("supplier"));
    const int64_t potential = 10'000 * (1 + pick(200));
    Object input{{"name", name},
                 {"code", "K" + std::to_string(10000 + i)},
                 {"roles", roles},
                 {"tax_id", nip()},
                 {"account_manager_id", op()},
                 {"potential", money(potential)},
                 {"cooperation_start", today().add_days(-static_cast<int>(pick(3000))).format()},
                 {"addresses", List{Object{{"street", std::string("ul. ") + any(kStreets) + " " +
                                                          std::to_string(1 + pick(150))},
                                           {"postal_code", std::string(postal)},
                                           {"city", city.name}}}},
                 {"phones", List{phone(city)}},
                 {"emails", List{Value("biuro@" + domain)}},
                 {"website", "https://www." + domain},
                 {"fields", Object{{"segment", chance(20)   ? "A"
                                               : chance(50) ? "B"
                                                            : "C"},
                                   {"source", any(kSources)}}}};
    const std::string id = "c" + std::to_string(i);
    cmd(K::client, Action::create, id, std::move(input), op());
    const char* status = chance(70) ? "active" : chance(50) ? "inactive" : "prospect";
    if (std::string(status) != "prospect")
      cmd(K::client, Action::update, id, {{"status", status}}, op());
    clients_.push_back({id, city});
  }

  void person(int i) {
    const auto& f = any(kFirstNames);
    const auto& s = any(kSurnames);
    const auto& c = clients_[pick(clients_.size())];
    const std::string last = f.female ? s.female : s.male;
    const Date birthday =
        Date::from_ymd(1955 + static_cast<int>(pick(45)), 1 + static_cast<unsigned>(pick(12)),
                       1 + static_cast<unsigned>(pick(28)));
    const std::string id = "p" + std::to_string(i);
    cmd(K::person, Action::create, id,
        {{"first_name", f.name},
         {"last_name", last},
         {"position",
          [&] {
            const auto& p = any(kPositions);  // one draw, in the form of the person's gender
            return f.female ? p.female : p.male;
          }()},
         {"phones", List{phone(c.city)}},
         {"emails",
          List{Value(ascii(f.name) + "." + ascii(last) + std::to_string(i) + "@firma.pl")}},
         {"birthday", birthday.format()},
         {"name_day", f.name_day},
         {"client_links", List{Object{{"client_id", c.id}, {"role", "kontakt"}}}},
         {"marketing_consent", chance(60)}},
        op());
    persons_.push_back(id);
    if (i > 0 && chance(10))
      cmd(K::person, Action::relate, id,
          {{"person_id", persons_[pick(i)]},
           {"label", chance(50) ? "współpracownik" : "przełożony"}},
          op());
  }

  void device(int i) {
    const auto& c = clients_[pick(clients_.size())];
    const std::string id = "d" + std::to_string(i);
    const DeviceModel& m = any(kDeviceModels);
    const int64_t tenths = m.min_power + pick(m.max_power - m.min_power + 1);
    cmd(K::device, Action::create, id,
        {{"serial_number", "SN" + std::to_string(100000 + i * 7)},
         {"model", m.model},
         {"manufacturer", m.manufacturer},
         {"client_id", c.id},
         {"location", c.city.name},
         {"warranty_until", today().add_months(static_cast<int>(pick(36))).format()},
         {"fields",
          Object{{"power_kw", std::to_string(tenths / 10) + "." + std::to_string(tenths % 10)}}}},
        op());
    devices_.push_back({id, c.id});
    if (chance(40)) {
      const std::string inspection = "i" + std::to_string(i);
      const Date due = today().add_days(30 + static_cast<int>(pick(400)));
      Object input{{"device_id", id}, {"due", due.format()}};
      if (chance(80)) input.emplace_back("every", Object{{"months", chance(50) ? 6 : 12}});
      // Nine in ten go to a technician (derived from i, not drawn: the random draws stay as they
      // were); the others are in everyone's calendar.
      if (i % 10 != 0)
        input.emplace_back("technician_id",
                           "op" + std::to_string(1 + i % (options_.scale.operators - 1)));
      if (cmd(K::inspection, Action::create, inspection, std::move(input), op())) {
        inspections_.push_back({inspection, devices_.size() - 1});
        waiting_.emplace(due.days, inspections_.size() - 1);
      }
    }
  }

  void project(int i) {
    List clients;
    for (int k = 0, n = 1 + static_cast<int>(pick(5)); k < n; ++k)
      clients.push_back(Value(clients_[pick(clients_.size())].id));
    std::sort(clients.begin(), clients.end(), [](const Value& a, const Value& b) {
      return *a.get<std::string>() < *b.get<std::string>();
    });
    clients.erase(std::unique(clients.begin(), clients.end()), clients.end());
    const std::string id = "pr" + std::to_string(i);
    Object input{{"name", std::string(chance(50) ? "Badanie rynku " : "Akcja promocyjna ") +
                              any(kCompanyTrades)},
                 {"goal", "Pozyskanie opinii klientów"},
                 {"client_ids", clients},
                 {"owner_id", op()},
                 {"start", today().format()},
                 {"end", today().add_days(30 + static_cast<int>(pick(180))).format()}};
    if (options_.scale.campaigns > 0 && chance(60))
      input.emplace_back("campaign_id", "cmp" + std::to_string(pick(options_.scale.campaigns)));
    cmd(K::project, Action::create, id, std::move(input), op());
    cmd(K::project, Action::change_status, id, {{"status", "active"}}, op());
    const bool completed = chance(40);
    if (completed) cmd(K::project, Action::change_status, id, {{"status", "completed"}}, op());
    for (const auto& c : clients)
      if (completed)
        std::erase_if(active_project_, [&](const auto& p) { return p.second == id; });
      else
        active_project_[*c.get<std::string>()] = id;
  }

  // A client's active project that some of its tasks and contacts belong to (every third task,
  // every fourth contact: derived from i, not drawn, so the rest of the dataset stays as it was).
  void in_project(Object& input, const std::string& client, int i, int every) {
    auto it = active_project_.find(client);
    if (it != active_project_.end() && i % every == 0) input.emplace_back("project_id", it->second);
  }

  void contact(int i) {
    const auto& c = clients_[pick(clients_.size())];
    // A kind of contact and what its notes say.
    static constexpr std::pair<const char*, const char*> kinds[] = {
        {"phone_call", "Rozmowa telefoniczna z klientem, ustalono dalsze kroki."},
        {"phone_call", "Klient prosi o kontakt w przyszłym tygodniu."},
        {"email", "Wiadomość e-mail, odpowiedź w załączniku."},
        {"email", "Przesłano informacje, o które prosił klient."},
        {"meeting", "Spotkanie w siedzibie klienta, omówiono warunki współpracy."},
        {"letter", "Pismo przesłane pocztą, kopia w archiwum."},
        {"fax", "Faks z potwierdzeniem zamówienia."},
        {"note", "Notatka wewnętrzna."},
        {"quote_request", "Klient prosi o ofertę cenową."}};
    const auto& [kind_name, notes] = any(kinds);
    const std::string kind = kind_name;
    const bool quote = kind == "quote_request";
    const std::string id = "k" + std::to_string(i);
    const std::string actor = op();
    Object input{{"kind", kind},
                 {"direction", quote || chance(40) ? "inbound"
                               : chance(70)        ? "outbound"
                                                   : "internal"},
                 {"occurred_at", DateTime{now_ - pick(3 * 3'600'000'000LL)}.format()},
                 {"client_id", c.id},
                 {"subject", quote ? "Zapytanie ofertowe" : any(kSubjects)},
                 {"notes", notes},
                 {"operator_id", actor}};
    if (quote) input.emplace_back("awaits_reply", true);
    in_project(input, c.id, i, 4);
    if (!persons_.empty())
      input.emplace_back("person_ids", List{Value(persons_[pick(persons_.size())])});
    cmd(K::contact, Action::create, id, std::move(input), actor);
    // Four in five requests for quote are answered within four days; the rest too when they came
    // more than a week before the dataset's today, but for one in forty left unanswered (derived
    // from i, not drawn, as with tasks): what awaits a reply is the last days' requests, not a
    // fifth of two years'.
    const bool answered = quote && chance(80);
    const bool old = now_ < options_.today_us - 7 * kDay;
    if (answered || (quote && old && i % 40 != 0)) {
      const int64_t when = working_time(
          answered ? working_days_on(today(), static_cast<int>(pick(4))).days * kDay + now_ % kDay
                   : now_ + (1 + i % 6) * kDay / 2);
      at(when, [this, id, client = c.id, actor, when] {
        cmd(K::contact, Action::create, id + "r",
            {{"kind", "email"},
             {"direction", "outbound"},
             {"occurred_at", DateTime{when}.format()},
             {"client_id", client},
             {"subject", "Oferta"},
             {"reply_to_id", id},
             {"operator_id", actor}},
            actor);
      });
    }
  }

  void task(int i) {
    const auto& c = clients_[pick(clients_.size())];
    const std::string id = "t" + std::to_string(i);
    const std::string creator = op();
    const std::string assignee = chance(60) ? creator : op();
    const TaskKind& kind = any(kTaskKinds);
    const char* title = any(kind.titles);
    const char* priority = chance(20) ? "high" : chance(80) ? "normal" : "low";
    const Date due = working_days_on(today(), static_cast<int>(pick(15)));
    // Within a week and not after the due date, at a full hour of the working day (the hour
    // derived from i, not drawn, so the rest of the dataset stays as it was).
    const Date first = std::min(working_days_on(today(), static_cast<int>(pick(5))), due);
    const int64_t hour = (7 + i % 9) * kHour;
    const int64_t start = first.days * kDay + hour;
    Object input{{"title", title},
                 {"kind", kind.kind},
                 {"client_id", c.id},
                 {"assignee_id", assignee},
                 {"priority", priority},
                 {"due", due.format()},
                 {"planned_start", DateTime{start}.format()}};
    in_project(input, c.id, i, 3);
    cmd(K::task, Action::create, id, std::move(input), creator);
    // The assignee starts at the planned start and works for a while; what falls after the
    // dataset's today has not happened yet.
    auto work_done = [this, id, assignee](int64_t minutes) {
      cmd(K::task, Action::log_work, id, {{"minutes", minutes}, {"note", "Realizacja zadania"}},
          assignee);
      cmd(K::task, Action::complete, id, {{"result", "Wykonano"}}, assignee);
    };
    const bool recent = now_ > options_.today_us - 45 * kDay;
    bool finished = false;
    if (chance(recent ? 30 : 90)) {
      const bool done = chance(recent ? 40 : 85);
      const int64_t minutes = 15 + pick(180);
      at(start, [this, id, assignee] { cmd(K::task, Action::start, id, {}, assignee); });
      if (done) at(start + minutes * kMinute, [work_done, minutes] { work_done(minutes); });
      finished = done;
    } else if (chance(5)) {
      at(now_ + (start - now_) / 2, [this, id, creator] {
        cmd(K::task, Action::cancel, id, {{"reason", "Nieaktualne"}}, creator);
      });
      finished = true;
    }
    // A task due more than a week before the dataset's today has been done by its due date, but
    // for one in forty left overdue (derived from i, not drawn: the random draws stay as they
    // were, the times move with the added commands): an operator's list is what is to do now,
    // not a quarter of two years' work.
    const Date last_week{static_cast<int32_t>(options_.today_us / kDay - 7)};
    if (!finished && due.days < last_week.days && i % 40 != 0)
      at(int64_t{due.days} * kDay + hour + 30 * kMinute,
         [work_done, i] { work_done(15 + (i * 37) % 180); });
  }

  void service_order(int i) {
    const std::string id = "so" + std::to_string(i);
    const std::string technician = op();
    // The technician's visit, a few working hours 1-5 days after the order came in (derived from
    // i, not drawn, so the rest of the dataset stays as it was).
    const int64_t hour = (7 + i % 8) * kHour;
    int64_t visit = working_days_on(today(), 1 + i % 5).days * kDay + hour;
    // The inspection due first, if it is due within two weeks: visits come when they are due
    // (on the due date, or soon if it has passed), and a recurring inspection comes back each
    // time it is done.
    std::optional<size_t> inspection;  // index in inspections_
    if (!waiting_.empty() && waiting_.begin()->first <= today().days + 14) {
      inspection = waiting_.begin()->second;
      visit = std::max(visit, working(Date{waiting_.begin()->first}).days * kDay + hour);
      waiting_.erase(waiting_.begin());
    }
    Object input{{"problem", inspection ? "Przegląd okresowy" : any(kProblems)},
                 {"technician_id", technician},
                 {"planned_at", DateTime{visit}.format()}};
    std::optional<size_t> device;  // index in devices_
    if (inspection) {
      device = inspections_[*inspection].second;
      input.emplace_back("device_id", devices_[*device].first);
      input.emplace_back("inspection_id", inspections_[*inspection].first);
    } else if (!devices_.empty() && chance(80)) {
      device = pick(devices_.size());
      input.emplace_back("device_id", devices_[*device].first);
    }
    // The device's owner is the order's client (an order without a device: any client).
    std::string client = clients_[pick(clients_.size())].id;
    if (device) client = devices_[*device].second;
    input.emplace_back("client_id", client);
    cmd(K::service_order, Action::create, id, std::move(input), technician);
    // The technician comes at the planned visit; a repair waiting for parts resumes days later,
    // and the device is handed back the day after it is done.
    const bool recent = now_ > options_.today_us - 30 * kDay;
    const int steps = recent ? static_cast<int>(pick(4)) : chance(5) ? -1 : 5;
    auto status = [this, id, technician](const char* to) {
      cmd(K::service_order, Action::change_status, id, {{"status", to}}, technician);
    };
    if (steps < 0) {
      at(std::max(now_, visit - kDay), [this, status, inspection] {
        status("cancelled");
        wait_again(inspection);
      });
      return;
    }
    int64_t t = visit;
    if (steps >= 1) at(t, [status] { status("diagnosed"); });
    if (steps >= 2) at(t = working_time(t + kHour), [status] { status("in_repair"); });
    if (steps >= 3) {
      if (chance(20)) {
        at(t = working_time(t + kHour), [status] { status("awaiting_parts"); });
        at(t = working_time(t + (2 + pick(8)) * kDay), [status] { status("in_repair"); });
      }
      const int64_t minutes = 30 + pick(240);
      at(t = working_time(t + minutes * kMinute),
         [this, id, technician, minutes, status, inspection] {
           cmd(K::service_order, Action::log_work, id, {{"minutes", minutes}}, technician);
           status("completed");
           wait_again(inspection);
         });
    }
    if (steps >= 4) at(t + 20 * kHour, [status] { status("handed_back"); });
  }

  // A cancelled visit, or a recurring inspection done, waits for its next date (the domain
  // computes it); one done for good does not, and neither does one in twelve after its first
  // visit (its client let it lapse: the overdue list is not empty).
  void wait_again(std::optional<size_t> inspection) {
    if (!inspection || *inspection % 12 == 11) return;
    auto record = handler_.load(K::inspection, inspections_[*inspection].first);
    if (record && record->text("status") == "planned")
      waiting_.emplace(record->field("due")->get<Date>()->days, *inspection);
  }

  void trade_document(int i) {
    const auto& c = clients_[pick(clients_.size())];
    const bool invoice = chance(80);
    const std::string id = "doc" + std::to_string(i);
    char number[32];
    std::snprintf(number, sizeof number, "%s/%d/%05d", invoice ? "FV" : "WZ", today().year(),
                  i + 1);
    cmd(K::trade_document, Action::create, id,
        {{"type", invoice ? "invoice" : "stock_issue"},
         {"number", std::string(number)},
         {"date", today().format()},
         {"net", money(200 + pick(40'000), static_cast<int>(pick(100)))},
         {"client_id", c.id}},
        op());
  }

  struct ClientRef {
    std::string id;
    City city;
  };

  eventstore::EventStore& store_;
  Options options_;
  std::mt19937_64 rng_;
  int64_t now_ = 0;
  int64_t start_ = 0;
  int64_t step_ = 0;
  uint64_t planned_ = 0;
  application::CommandHandler handler_;
  Report report_;
  std::vector<ClientRef> clients_;
  std::vector<std::string> persons_;
  std::unordered_map<std::string, std::string> active_project_;  // client id -> project id
  std::vector<std::pair<std::string, std::string>> devices_;     // device, owner client
  std::vector<std::pair<std::string, size_t>> inspections_;      // inspection, device index
  std::set<std::pair<int32_t, size_t>> waiting_;  // planned inspections: due day, index
  // What a command sets going and happens later (the work on a task at its planned start, a
  // technician's visit, a reply), by when: run when the dataset's clock reaches it, so nothing is
  // done before its time, and what would come after the dataset's today never is.
  std::multimap<int64_t, std::function<void()>> later_;
};

}  // namespace

std::optional<Scale> scale_from_name(std::string_view name) {
  for (const Scale& s : {kSmall, kMedium, kLarge})
    if (name == s.name) return s;
  return std::nullopt;
}

Report generate(eventstore::EventStore& store, const Options& options) {
  Options o = options;
  if (o.today_us == 0) {
    // Today at 00:00 UTC: the same seed gives the same dataset all day, and a fresh one tomorrow.
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    o.today_us = now - now % kDay;
  }
  return Generator(store, o).run();
}

}  // namespace crm::demo
