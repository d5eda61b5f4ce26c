// Fuzz target: any bytes as a terminal file, through the XmlMsg reader and the typed view of every
// message family (libs/oqs). An error is fine; a crash, a leak, or two readings that disagree is not:
//   - parse_message<M> (straight from pugixml's nodes) gives what view_as<M>(read_xml_msg) gives;
//   - what we write we can read back: the same message (UTF-8), or one that writes the same bytes
//     again (Shift_JIS, which drops invisible characters it cannot carry).
#include <onshi/oqs/drug_history.hpp>
#include <onshi/oqs/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace onshi::oqs;

template <class M>
void every_reading_agrees(std::string_view bytes, const onshi::Result<XmlMsg>& generic) {
  auto direct = parse_message<M>(bytes, "fuzz");
  if (bool(direct) != bool(generic)) __builtin_trap();  // one reader accepted what the other refused
  if (!direct) return;
  const M viewed = view_as<M>(*generic);
  if (!(*direct == viewed)) __builtin_trap();
  // UTF-8 carries every character: what is read back is what was written.
  if (auto written = write_message(*direct, {onshi::text::Encoding::utf8})) {
    auto again = parse_message<M>(*written, "fuzz (written back)");
    if (!again || !(*again == *direct)) __builtin_trap();
  }
  // Shift_JIS refuses a character it has no code for, and drops the invisible default-ignorable ones
  // (U+FEFF, U+200B, variation selectors: libs/text): one round trip settles it, a second changes nothing.
  if (auto written = write_message(*direct)) {
    auto again = parse_message<M>(*written, "fuzz (written back)");
    if (!again) __builtin_trap();
    auto rewritten = write_message(*again);
    if (!rewritten || *rewritten != *written) __builtin_trap();
  }
}

template <class... Families>
void every_family(std::string_view bytes, const onshi::Result<XmlMsg>& generic) {
  (every_reading_agrees<Families>(bytes, generic), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto generic = read_xml_msg(bytes, "fuzz");
  every_family<QualificationRequest, QualificationResponse, RegistrationRequest, RegistrationResponse,
               BulkUploadRequest, BulkReception, BulkResult, HistoryRequest, DrugInfoResponse, CheckupResponse,
               DisasterSearchRequest, DisasterSearchResponse, DisasterDrugRequest>(bytes, generic);
  if (generic) (void)drug_history_of(view_as<DrugInfoResponse>(*generic));
  return 0;
}
