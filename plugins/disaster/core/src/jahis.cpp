#include <onshi/disaster/jahis.hpp>

#include <onshi/text/encoding.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

namespace onshi::disaster {
namespace {

constexpr size_t kMaxPartBytes = 64 * 1024;  // a QR holds < 3 KB; leave room for files
constexpr size_t kMaxParts = 999;            // 911 データ連番 is 9(3)
constexpr size_t kMaxTotalBytes = 1 << 20;    // all parts together

struct Line {
  size_t part = 0;  // 1-based, in the order given
  size_t line = 0;  // 1-based within its part
  std::vector<std::string> fields;
  const std::string& at(size_t i) const {
    static const std::string empty;
    return i < fields.size() ? fields[i] : empty;
  }
};

std::string where(const Line& l) {
  return "お薬手帳 QR part " + std::to_string(l.part) + ", line " + std::to_string(l.line) + " (record " +
         (l.fields.empty() ? std::string("?") : l.fields[0]) + ")";
}

Error bad(const Line& l, const std::string& what) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", where(l) + ": " + what,
                    "scan the お薬手帳 QR code again; if it keeps failing, enter the drugs by hand");
}

Error bad_input(const std::string& what, const std::string& hint) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", "お薬手帳 QR: " + what, hint);
}

std::vector<std::string> split_fields(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::optional<int> number(const std::string& s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The first year of each era of the 和暦 "GYYMMDD" (M/T/S/H/R): era year N is first + N - 1.
int era_first_year(char era) {
  switch (era) {
    case 'M': return 1868;
    case 'T': return 1912;
    case 'S': return 1926;
    case 'H': return 1989;
    case 'R': return 2019;
    default: return 0;
  }
}

// A JAHIS date: YYYYMMDD, or 和暦 GYYMMDD as many お薬手帳 apps write 生年月日 and 調剤等年月日.
Result<Date> jahis_date(std::string_view t, std::string_view field) {
  const int first_year = t.size() == 7 ? era_first_year(t[0]) : 0;
  if (!first_year) return parse_date(t, field);
  const auto era_year = number(std::string(t.substr(1, 2)));
  if (era_year && *era_year >= 1) {
    char western[16];
    std::snprintf(western, sizeof western, "%04d%.4s", first_year + *era_year - 1, t.data() + 3);
    if (auto d = parse_date(western, field)) return d;
  }
  return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster",
                    std::string(field) + ": '" + std::string(t) + "' is not a date",
                    "write it as GYYMMDD with an era year from 01 (e.g. R060101) or as YYYYMMDD");
}

// Lines of one part, decoded. CR, LF and CR LF all end a line; in Shift_JIS no
// trail byte is below 0x40, so splitting the bytes before decoding is safe.
Result<std::vector<Line>> decode_part(std::string_view bytes, size_t part) {
  if (bytes.size() > kMaxPartBytes)
    return bad_input("part " + std::to_string(part) + " is larger than 64 KiB", "this is not a お薬手帳 QR code");
  bool utf8 = bytes.substr(0, 3) == "\xEF\xBB\xBF";  // a BOM: a file saved as UTF-8
  if (utf8) bytes.remove_prefix(3);
  std::vector<Line> lines;
  size_t n = 0, pos = 0;
  while (pos < bytes.size()) {
    size_t end = bytes.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view raw = bytes.substr(pos, end - pos);
    pos = end + (bytes.substr(end, 2) == "\r\n" ? 2 : 1);
    ++n;
    if (!raw.empty() && raw.back() == '\x1A') raw.remove_suffix(1);  // MS-DOS EOF
    if (raw.empty()) continue;
    std::string decoded_line;
    if (utf8) {
      decoded_line = std::string(raw);
    } else {
      const std::string where = "お薬手帳 QR part " + std::to_string(part) + ", line " + std::to_string(n);
      auto decoded = text::decode_to_utf8(raw, text::Encoding::shift_jis, where);
      if (!decoded)
        return make_error(ONSHI_E_INVALID_ARGUMENT, "disaster", where + ": bytes that are not Shift_JIS (CP932) text",
                          "scan the QR code again; if it keeps failing, the app wrote another encoding");
      decoded_line = std::move(*decoded);
    }
    lines.push_back({part, n, split_fields(decoded_line)});
  }
  if (lines.empty()) return bad_input("part " + std::to_string(part) + " is empty", "scan the QR code again");
  const std::string& version = lines.front().at(0);
  if (version.size() != 9 || version.rfind("JAHISTC", 0) != 0 || !number(version.substr(7)))
    return bad(lines.front(), "the first line must be the version record JAHISTCnn, found '" + version.substr(0, 20) + "'");
  for (auto& l : lines)
    if (&l != &lines.front() && !number(l.at(0))) return bad(l, "the record number '" + l.at(0).substr(0, 20) + "' is not a number");
  return lines;
}

struct Split {
  std::string data_id;
  int count = 0, sequence = 0;
};

// Orders the parts by their 911 record and checks that they form one whole.
Result<std::vector<std::vector<Line>>> join_parts(std::vector<std::vector<Line>> parts) {
  std::vector<Split> splits;
  for (auto& p : parts) {
    const Line& last = p.back();
    if (last.at(0) != "911") {
      if (parts.size() == 1) return parts;
      return bad(last, "a part of a split code must end with the split-control record 911");
    }
    auto count = number(last.at(2)), seq = number(last.at(3));
    if (last.at(1).empty() || !count || !seq || *count < 1 || *seq < 1 || *seq > *count)
      return bad(last, "record 911 needs a data id, a part count and a sequence number within the count");
    splits.push_back({last.at(1), *count, *seq});
    p.pop_back();
  }
  std::vector<size_t> order(parts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return splits[a].sequence < splits[b].sequence; });
  const Split& first = splits[order.front()];
  for (size_t k = 0; k < order.size(); ++k) {
    const Split& s = splits[order[k]];
    if (s.data_id != first.data_id)
      return bad_input("the parts belong to different data (ids " + first.data_id + " and " + s.data_id + ")",
                       "scan only the codes printed together");
    if (s.count != first.count || s.sequence != static_cast<int>(k) + 1)
      return bad_input("part " + std::to_string(k + 1) + " of " + std::to_string(first.count) +
                           (s.sequence < static_cast<int>(k) + 1 ? " was scanned twice" : " is missing"),
                       "scan every QR code of the お薬手帳 once");
  }
  if (static_cast<int>(parts.size()) != first.count)
    return bad_input(std::to_string(parts.size()) + " of " + std::to_string(first.count) + " parts were scanned",
                     "scan every QR code of the お薬手帳 once");
  std::vector<std::vector<Line>> ordered;
  for (size_t i : order) ordered.push_back(std::move(parts[i]));
  return ordered;
}

// One 調剤 group (record 5 up to the next 5): drugs (201) and their 用法 (301) by RP.
struct Visit {
  std::optional<Date> date;
  std::string pharmacy, prescriber, doctor, dispensing_clinic;
  std::vector<std::pair<int, DrugRecord>> drugs;  // RP, drug
  std::map<int, const Line*> usage;               // RP → its 301
};

void flush(Visit& v, JahisNotebook& out) {
  for (auto& [rp, drug] : v.drugs) {
    drug.dispensed_on = v.date;
    // Dispensed inside a clinic (点数表 1/3 on record 11): that clinic prescribed too.
    drug.prescriber = !v.prescriber.empty() ? v.prescriber : v.dispensing_clinic;
    if (!v.doctor.empty()) drug.prescriber += (drug.prescriber.empty() ? "" : " ") + v.doctor;
    drug.pharmacy = v.pharmacy;
    auto u = v.usage.find(rp);
    if (u == v.usage.end()) {
      out.warnings.push_back("RP " + std::to_string(rp) + " (" + drug.drug_name + ") has no 用法 record 301");
    } else {
      const Line& l = *u->second;
      drug.usage = l.at(2);
      drug.quantity = l.at(3) + l.at(4);
      if (l.at(4) == "日分") drug.days = number(l.at(3));
    }
    out.drugs.push_back(std::move(drug));
  }
  v = Visit{};
}

DrugCodeKind code_kind(const std::string& s) {
  if (s == "2") return DrugCodeKind::receipt;
  if (s == "3") return DrugCodeKind::mhlw;
  if (s == "4") return DrugCodeKind::yj;
  if (s == "6") return DrugCodeKind::hot;
  return DrugCodeKind::none;
}

Result<JahisNotebook> interpret(const std::vector<Line>& lines, const std::string& version) {
  JahisNotebook out;
  out.version = version;
  std::optional<Visit> visit;
  bool patient_seen = false;
  for (const Line& l : lines) {
    int record = *number(l.at(0));
    auto in_visit = [&]() -> Result<void> {
      if (!visit) return bad(l, "this record belongs to a dispensing group but comes before any record 5");
      return {};
    };
    switch (record) {
      case 1: {
        if (patient_seen) return bad(l, "a second patient record 1");
        patient_seen = true;
        if (l.at(1).empty()) return bad(l, "氏名 (field 2) is empty");
        out.patient.name = l.at(1);
        if (l.at(2) == "1" || l.at(2) == "2") out.patient.sex = static_cast<Sex>(*number(l.at(2)));
        else return bad(l, "性別 (field 3) must be 1 or 2, found '" + l.at(2).substr(0, 10) + "'");
        auto birth = jahis_date(l.at(3), where(l) + " 生年月日");
        if (!birth) return std::move(birth).error();
        out.patient.birthdate = *birth;
        out.patient.name_kana = l.at(10);
        break;
      }
      case 5: {
        if (visit) flush(*visit, out);
        visit.emplace();
        auto date = jahis_date(l.at(1), where(l) + " 調剤等年月日");
        if (!date) return std::move(date).error();
        visit->date = *date;
        break;
      }
      case 11: {
        if (auto r = in_visit(); !r) return std::move(r).error();
        if (l.at(1).empty()) return bad(l, "医療機関等名称 (field 2) is empty");
        (l.at(3) == "1" || l.at(3) == "3" ? visit->dispensing_clinic : visit->pharmacy) = l.at(1);
        break;
      }
      case 51:
        if (auto r = in_visit(); !r) return std::move(r).error();
        visit->prescriber = l.at(1);
        break;
      case 55:
        if (auto r = in_visit(); !r) return std::move(r).error();
        visit->doctor = l.at(1);
        break;
      case 201: {
        if (auto r = in_visit(); !r) return std::move(r).error();
        auto rp = number(l.at(1));
        if (!rp) return bad(l, "RP番号 (field 2) '" + l.at(1).substr(0, 10) + "' is not a number");
        if (l.at(2).empty()) return bad(l, "薬品名称 (field 3) is empty");
        DrugRecord d;
        d.source = DrugSource::okusuri_techo;
        d.drug_name = l.at(2);
        d.dose = l.at(3) + l.at(4);
        d.code_kind = code_kind(l.at(5));
        if (d.code_kind != DrugCodeKind::none) d.code = l.at(6);
        if (d.code_kind != DrugCodeKind::none && d.code.empty()) return bad(l, "薬品コード種別 is set but 薬品コード is empty");
        d.ingredient = l.at(8);
        visit->drugs.emplace_back(*rp, std::move(d));
        break;
      }
      case 301: {
        if (auto r = in_visit(); !r) return std::move(r).error();
        auto rp = number(l.at(1));
        if (!rp) return bad(l, "RP番号 (field 2) '" + l.at(1).substr(0, 10) + "' is not a number");
        bool has_drug = std::any_of(visit->drugs.begin(), visit->drugs.end(), [&](auto& d) { return d.first == *rp; });
        if (!has_drug) return bad(l, "用法 for RP " + std::to_string(*rp) + ", which has no drug record 201 before it");
        visit->usage[*rp] = &l;
        break;
      }
      case 2: case 3: case 31: case 4: case 15: case 281: case 291: case 311: case 391:
      case 401: case 411: case 421: case 501: case 601: case 701:
        break;  // known records that carry nothing a drug history line shows
      default:
        out.warnings.push_back(where(l) + ": unknown record, skipped");
    }
  }
  if (!patient_seen) return bad_input("no patient record 1", "scan the first QR code of the お薬手帳 too");
  if (visit) flush(*visit, out);
  return out;
}

}  // namespace

Result<JahisNotebook> read_jahis(const std::vector<std::string>& raw_parts) {
  if (raw_parts.empty()) return bad_input("no QR code given", "scan the お薬手帳 QR code");
  if (raw_parts.size() > kMaxParts) return bad_input("more than 999 parts", "scan one お薬手帳 at a time");
  // Bounded before anything is decoded: a notebook of many years is a few hundred KB of QR text,
  // and decoding multiplies the bytes held by tens.
  std::size_t total = 0;
  for (const auto& part : raw_parts) total += part.size();
  if (total > kMaxTotalBytes)
    return bad_input(std::to_string(total) + " bytes in all, over the limit of " + std::to_string(kMaxTotalBytes),
                     "scan one お薬手帳 at a time; this is not the text of its QR codes");
  std::vector<std::vector<Line>> parts;
  for (size_t i = 0; i < raw_parts.size(); ++i) {
    auto part = decode_part(raw_parts[i], i + 1);
    if (!part) return std::move(part).error();
    parts.push_back(std::move(*part));
  }
  auto joined = join_parts(std::move(parts));
  if (!joined) return std::move(joined).error();

  // Each part repeats the version and, usually, the patient; keep them once.
  const std::vector<Line>& first = joined->front();
  std::vector<Line> lines(first.begin() + 1, first.end());
  const Line* patient = nullptr;
  for (const auto& l : first)
    if (l.at(0) == "1") patient = &l;
  for (size_t k = 1; k < joined->size(); ++k) {
    for (size_t i = 1; i < (*joined)[k].size(); ++i) {
      const Line& l = (*joined)[k][i];
      if (l.at(0) == "1") {
        if (patient && l.fields != patient->fields) return bad(l, "the patient differs from part 1's");
        if (patient) continue;
      }
      lines.push_back(l);
    }
  }
  return interpret(lines, first.front().at(0));
}

}  // namespace onshi::disaster
