#include <onshi/claims/merge.hpp>

#include <onshi/text/encoding.hpp>

#include <algorithm>
#include <set>

namespace onshi::claims {
namespace {

constexpr const char* kFile = "RECEIPTC.UKE";

Error file_error(size_t line, std::string message) {
  return make_error(ONSHI_E_INVALID_ARGUMENT, "claims",
                    std::string(kFile) + (line ? " line " + std::to_string(line) + ":" : std::string()) + " " + message,
                    "the レセコン's file is not a レセプト電算 file as the 記録条件仕様 writes it; export it again, or "
                    "correct that line in the レセコン");
}

Error merge_error(const std::string& label, std::string message, std::string hint) {
  return make_error(ONSHI_E_REFUSED, "claims", label + ": " + std::move(message), std::move(hint));
}

// The fields of the records the merge reads or writes, by 記録条件仕様 position (fields[0] is the id).
struct Known {
  const char* id;
  size_t min_fields;  // including the id
};
constexpr Known kKnown[] = {{"IR", 9}, {"RE", 14}, {"HO", 6}, {"KO", 6}, {"SN", 3}, {"GO", 4}};

const char* field_name(const std::string& id, size_t index) {
  static const std::pair<const char*, std::vector<const char*>> kNames[] = {
      {"IR", {"", "審査支払機関", "都道府県", "点数表", "医療機関コード", "予備", "医療機関名称", "請求年月",
              "マルチボリューム識別", "電話番号"}},
      {"RE", {"", "レセプト番号", "レセプト種別", "診療年月", "氏名", "男女区分", "生年月日", "給付割合", "入院年月日",
              "病棟区分", "一部負担金区分", "レセプト特記事項", "病床数", "カルテ番号等"}},
      {"HO", {"", "保険者番号", "被保険者証等の記号", "被保険者証等の番号", "診療実日数", "合計点数"}},
      {"KO", {"", "公費負担者番号", "公費受給者番号", "任意給付区分", "診療実日数", "合計点数"}},
      {"SN", {"", "負担者種別", "確認区分", "保険者番号等（資格確認）", "記号（資格確認）", "番号（資格確認）", "枝番",
              "受給者番号"}},
      {"GO", {"", "総件数", "総合計点数", "マルチボリューム識別"}}};
  for (const auto& [record, names] : kNames)
    if (id == record && index < names.size()) return names[index];
  return "";
}

// "RECEIPTC.UKE line 8 field 5 (HO 合計点数): <problem>"
Error field_error(const UkeLine& r, size_t index, const std::string& problem) {
  std::string name = field_name(r.id(), index);
  return file_error(0, "line " + std::to_string(r.line) + " field " + std::to_string(index) + " (" + r.id() +
                           (name.empty() ? "" : " " + name) + "): " + problem);
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_id(std::string_view s) {
  return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string utf8(std::string_view sjis) {
  auto text = text::decode_to_utf8(sjis, text::Encoding::shift_jis, kFile);
  return text ? *text : text::readable(sjis);
}

std::string join(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out;
}

// The fields of a record's bytes (split on commas: no Shift_JIS byte is a comma).
std::vector<std::string> split_fields(std::string_view record) {
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    const size_t comma = record.find(',', start);
    fields.emplace_back(record.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// A record the SDK made, as a line of the file.
Result<UkeLine> file_line(const Record& record) {
  auto line = render_uke({record});
  if (!line) return line.error();
  UkeLine out;
  out.bytes = line->substr(0, line->size() - 2);  // without its CRLF
  out.fields = split_fields(out.bytes);
  return out;
}

// A receipt: its RE and the records up to the next RE or GO.
struct Receipt {
  size_t first = 0, end = 0;  // indices into UkeFile::records
};

size_t receipt_end(const UkeFile& file, size_t first) {
  size_t end = first + 1;
  while (end < file.records.size() && file.records[end].id() != "RE" && file.records[end].id() != "GO") ++end;
  return end;
}

std::vector<Receipt> receipts_of(const UkeFile& file) {
  std::vector<Receipt> out;
  for (size_t i = 0; i < file.records.size(); ++i)
    if (file.records[i].id() == "RE") out.push_back({i, receipt_end(file, i)});
  return out;
}

// GO: 総件数 = one per receipt with HO, plus one per KO; 総合計点数 = each receipt's 主保険 合計点数
// (HO's, or the first KO's for 公費単独).
std::pair<long, long> totals(const UkeFile& file) {
  long count = 0, points = 0;
  for (const Receipt& r : receipts_of(file)) {
    const UkeLine* main = nullptr;
    for (size_t i = r.first; i < r.end; ++i) {
      const UkeLine& rec = file.records[i];
      if (rec.id() != "HO" && rec.id() != "KO") continue;
      ++count;
      if (!main || (main->id() == "KO" && rec.id() == "HO")) main = &rec;
    }
    if (main) points += std::stol(main->fields[5]);
  }
  return {count, points};
}

// The 特記事項 codes the SDK decides (限度額 区分); the レセコン's others are kept.
bool limit_note(std::string_view code) {
  static const std::set<std::string_view> kLimitNotes{"26", "27", "28", "29", "30", "41", "42"};
  return kLimitNotes.count(code) > 0;
}

std::string merged_notes(const std::string& file_notes, const std::string& sdk_notes) {
  std::string out;
  for (size_t i = 0; i + 1 < file_notes.size(); i += 2)
    if (!limit_note(file_notes.substr(i, 2))) out += file_notes.substr(i, 2);
  return sdk_notes + out;
}

}  // namespace

Result<UkeFile> parse_uke(std::string_view bytes) {
  UkeFile file;
  if (!bytes.empty() && bytes.back() == '\x1A') {
    file.eof_marker = true;
    bytes.remove_suffix(1);
  }
  if (bytes.empty()) return file_error(0, "the file is empty");
  if (bytes.size() < 2 || bytes.substr(bytes.size() - 2) != "\r\n")
    return file_error(0, "the last record does not end in CRLF");
  size_t line = 0;
  for (size_t at = 0; at < bytes.size();) {
    ++line;
    const size_t crlf = bytes.find("\r\n", at);
    std::string_view record = bytes.substr(at, crlf - at);
    at = crlf + 2;
    if (record.find_first_of("\r\n\x1A") != std::string_view::npos)
      return file_error(line, "a record ends in a bare CR or LF, or holds 0x1A: every record ends in CRLF");
    UkeLine r;
    r.line = line;
    r.bytes = std::string(record);
    r.fields = split_fields(record);
    if (!is_id(r.id())) return file_error(line, "'" + text::readable(r.id(), 8) + "' is not a record id (field 0)");
    for (size_t i = 1; i < r.fields.size(); ++i)
      if (!text::decode_to_utf8(r.fields[i], text::Encoding::shift_jis, kFile))
        return field_error(r, i, "not Shift_JIS (cp932)");
    for (const Known& k : kKnown)
      if (r.id() == k.id && r.fields.size() < k.min_fields)
        return file_error(line, r.id() + " has " + std::to_string(r.fields.size() - 1) + " fields, fewer than the " +
                                    std::to_string(k.min_fields - 1) + " the merge reads");
    const bool numeric_points = r.id() == "HO" || r.id() == "KO";
    if (numeric_points && !digits(r.fields[5])) return field_error(r, 5, "'" + utf8(r.fields[5]) + "' is not a number");
    if (numeric_points && r.fields[5].size() > 9) return field_error(r, 5, "more than 9 digits");
    file.records.push_back(std::move(r));
  }
  if (file.records.front().id() != "IR") return file_error(1, "the first record is " + file.records.front().id() + ", not IR");
  const UkeLine& go = file.records.back();
  if (go.id() != "GO") return file_error(go.line, "the last record is " + go.id() + ", not GO");
  for (size_t i = 1; i + 1 < file.records.size(); ++i) {
    const std::string& id = file.records[i].id();
    if (id == "IR" || id == "GO") return file_error(file.records[i].line, "a second " + id + " record");
    if (i == 1 && id != "RE") return file_error(file.records[i].line, id + " before the first RE");
  }
  for (size_t index : {size_t(1), size_t(2)})
    if (!digits(go.fields[index])) return field_error(go, index, "not a number");
  return file;
}

std::string render(const UkeFile& file) {
  std::string out;
  for (const UkeLine& r : file.records) out += r.bytes + "\r\n";
  if (file.eof_marker) out += '\x1A';
  return out;
}

Result<MergeResult> merge_claims(std::string_view receipt_file, const std::vector<MergeClaim>& claims) {
  auto parsed = parse_uke(receipt_file);
  if (!parsed) return parsed.error();
  UkeFile file = std::move(*parsed);
  MergeResult out;
  const std::string office = file.records.front().fields[1];

  for (const MergeClaim& claim : claims) {
    const std::string chart = claim.input.patient.chart_number;
    auto decided = decide_claim(claim.input);
    if (!decided) {
      Error e = decided.error();
      e.message = claim.label + ": " + e.message;
      return e;
    }
    const ClaimResult& r = *decided;
    const bool after_outage = r.method.method == Method::m9_outage;
    const Route route = r.route.route;
    auto skip = [&](std::string reason) { out.skipped.push_back({claim.label, chart, std::move(reason)}); };
    if (r.records.empty()) {
      skip(std::string("route ") + route_id(route) + ": no electronic claim to merge");
      continue;
    }
    if (!after_outage && (route == Route::verified || route == Route::current_asked)) {
      skip(std::string("route ") + route_id(route) + ": the レセコン's own numbers stand");
      continue;
    }
    if (chart.empty())
      return merge_error(claim.label, "patient.chart_number is empty: it is the key to the レセコン's receipt (RE カルテ番号等)",
                         "give the カルテ番号 the レセコン writes in RE");
    if (std::to_string(r.payer_office) != office)
      return merge_error(claim.label,
                         "the claim goes to 審査支払機関 " + std::to_string(r.payer_office) + " but this file is for " +
                             office + " (IR)",
                         "merge it into the other 審査支払機関's RECEIPTC.UKE");
    const std::string month = compact_month(claim.input.visit_date);
    // The one receipt of this patient and month.
    std::vector<Receipt> found;
    for (const Receipt& rc : receipts_of(file)) {
      const UkeLine& re = file.records[rc.first];
      if (re.fields[13] == chart && re.fields[3] == month) found.push_back(rc);
    }
    if (found.size() != 1)
      return merge_error(claim.label,
                         std::to_string(found.size()) + " receipts in the file have カルテ番号 " + chart + " and 診療年月 " +
                             month + "; exactly one is needed",
                         found.empty() ? "check the カルテ番号 and the month, or let the レセコン make the receipt first"
                                       : "a patient with several receipts in a month (insurer change, 公費) needs a "
                                         "person: merge by hand");
    const Receipt rc = found.front();
    MergedReceipt report{claim.label, chart, month, route_id(route), file.records[rc.first].line, {}, 0};
    auto sdk_record = [&](const char* id) -> const Record* {
      for (const Record& rec : r.records)
        if (rec.id == id) return &rec;
      return nullptr;
    };
    auto sjis = [&](const Record& rec, size_t index) -> Result<std::string> {
      return encode_shift_jis(rec.fields[index - 1].value, rec.id + " " + rec.fields[index - 1].name);
    };
    // Replaces field `index` of file record `at` by the SDK record's same field.
    auto replace = [&](size_t at, const Record& rec, size_t index) -> Result<void> {
      UkeLine& line = file.records[at];
      while (line.fields.size() <= index) line.fields.emplace_back();
      auto value = sjis(rec, index);
      if (!value) return value.error();
      if (line.fields[index] == *value) return {};
      report.changes.push_back({line.id(), field_name(line.id(), index), utf8(line.fields[index]), rec.fields[index - 1].value});
      line.fields[index] = *value;
      line.bytes = join(line.fields);
      return {};
    };
    // RE: the same person and kind of receipt, then the SDK's 給付割合 and 限度額 特記事項.
    UkeLine& re_line = file.records[rc.first];
    const Record& re = *sdk_record("RE");
    for (size_t index : {size_t(2), size_t(5), size_t(6)}) {
      auto mine = sjis(re, index);
      if (!mine) return mine.error();
      if (re_line.fields[index] != *mine)
        return merge_error(claim.label,
                           "the receipt at line " + std::to_string(re_line.line) + " has " + field_name("RE", index) + " " +
                               utf8(re_line.fields[index]) + ", the claim " + re.fields[index - 1].value,
                           index == 2 ? "the payer or the 公費 changed (社保↔後期, R-KOUKI-75): correct the receipt in "
                                        "the レセコン, then merge"
                                      : "this is not the same patient: check the カルテ番号");
    }
    if (auto r2 = replace(rc.first, re, 7); !r2) return r2.error();
    Record notes = re;
    notes.fields[10].value = merged_notes(utf8(re_line.fields[11]), re.fields[10].value);
    if (auto r2 = replace(rc.first, notes, 11); !r2) return r2.error();
    // HO or KO identifiers, SN's 確認区分, 枝番 and 受給者番号.
    for (const char* id : {"HO", "KO", "SN"}) {
      const Record* mine = sdk_record(id);
      if (!mine) continue;
      size_t at = rc.first;
      while (at < rc.end && file.records[at].id() != id) ++at;
      if (at == rc.end) {
        if (std::string(id) != "SN")
          return merge_error(claim.label,
                             "the receipt at line " + std::to_string(re_line.line) + " has no " + id + " record",
                             "the 保険/公費 of the receipt differs from the claim's: correct it in the レセコン");
        // No SN yet: the SDK's goes after the receipt's HO/KO/KH records.
        size_t after = rc.first + 1;
        while (after < rc.end && (file.records[after].id() == "HO" || file.records[after].id() == "KO" ||
                                  file.records[after].id() == "KH"))
          ++after;
        auto added = file_line(*mine);
        if (!added) return added.error();
        file.records.insert(file.records.begin() + long(after), std::move(*added));
        report.changes.push_back({"SN", "", "", record_line(*mine)});
        continue;
      }
      const std::vector<size_t> fields = std::string(id) == "SN" ? std::vector<size_t>{2, 6, 7} : std::vector<size_t>{1, 2, 3};
      for (size_t index : fields)
        if (auto r2 = replace(at, *mine, index); !r2) return r2.error();
    }
    // The SDK's comments (不詳 and what follows), before the receipt's first 摘要 record, once.
    const size_t end = receipt_end(file, rc.first);  // an SN may have been added
    size_t insert_at = rc.first + 1;
    static const std::set<std::string> kHead{"HO", "KO", "KH", "SN", "JD", "MF", "SY"};
    while (insert_at < end && kHead.count(file.records[insert_at].id())) ++insert_at;
    std::set<std::string> present;
    for (size_t i = rc.first; i < end; ++i) present.insert(file.records[i].bytes);
    for (const Record& rec : r.records) {
      if (rec.id != "CO") continue;
      auto added = file_line(rec);
      if (!added) return added.error();
      if (present.count(added->bytes)) continue;  // merged before: merging twice changes nothing
      file.records.insert(file.records.begin() + long(insert_at++), std::move(*added));
      ++report.comments_added;
    }
    out.merged.push_back(std::move(report));
  }
  // GO from what is now in the file; its マルチボリューム識別 is kept.
  auto [count, points] = totals(file);
  UkeLine& go = file.records.back();
  go.fields[1] = std::to_string(count);
  go.fields[2] = std::to_string(points);
  go.bytes = join(go.fields);
  out.count = count;
  out.points = points;
  out.file = render(file);
  return out;
}

}  // namespace onshi::claims
