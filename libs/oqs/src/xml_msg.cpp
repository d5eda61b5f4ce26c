#include <onshi/oqs/xml_msg.hpp>

#include "xml_doc.hpp"

#include <cctype>
#include <charconv>
#include <cstring>
#include <sstream>

namespace onshi::oqs {

const Element* Element::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

const Element* Element::find(std::string_view descendant_name) const {
  for (const auto& c : children) {
    if (c.name == descendant_name) return &c;
    if (const Element* deeper = c.find(descendant_name)) return deeper;
  }
  return nullptr;
}

namespace {

// A character XML 1.0 allows in text (literally or as a reference): no NUL or other C0 control but
// tab/LF/CR, no surrogate, no U+FFFE/U+FFFF, nothing past U+10FFFF.
bool xml_character(unsigned long cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp < 0xD800) || (cp > 0xDFFF && cp < 0xFFFE) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

Error malformed(std::string_view what, std::string message, std::string hint = {}) {
  if (hint.empty()) hint = "the file is not a terminal XML message; check who wrote it, or re-send the request";
  return make_error(ONSHI_E_PROTOCOL, "xml", std::string(what) + ": " + message, std::move(hint));
}

// The encoding named by the declaration, if any: <?xml version="1.0" encoding="Shift_JIS"?>.
Result<text::Encoding> declared_encoding(std::string_view bytes, std::string_view what) {
  if (bytes.substr(0, 5) != "<?xml") return text::Encoding::utf8;
  const auto end = bytes.find("?>");
  if (end == std::string_view::npos || end > 512) return malformed(what, "the XML declaration is not closed");
  const std::string_view decl = bytes.substr(0, end);
  const auto at = decl.find("encoding");
  if (at == std::string_view::npos) return text::Encoding::utf8;
  const auto quote = decl.find_first_of("\"'", at);
  if (quote == std::string_view::npos) return malformed(what, "the encoding in the XML declaration has no value");
  const auto close = decl.find(decl[quote], quote + 1);
  if (close == std::string_view::npos) return malformed(what, "the encoding in the XML declaration is not quoted");
  auto e = text::encoding_from_label(decl.substr(quote + 1, close - quote - 1));
  if (!e) {
    Error err = std::move(e).error();
    err.message = std::string(what) + ": " + err.message;
    return err;
  }
  return e;
}

// DTDs are never part of the interface; a DOCTYPE or entity declaration is refused before
// parsing, and so is a reference to any entity pugixml would leave unexpanded. True when the
// text has references (predefined or numeric) to expand.
Result<bool> refuse_dtd_and_entities(std::string_view text, std::string_view what) {
  // Look for the rare '!' rather than for every '<' of the markup.
  bool dtd = false;
  for (auto at = text.find('!'); at != std::string_view::npos && !dtd; at = text.find('!', at + 1)) {
    const std::string_view from = text.substr(at - (at > 0));
    dtd = from.starts_with("<!DOCTYPE") || from.starts_with("<!ENTITY");
  }
  if (dtd)
    return make_error(ONSHI_E_REFUSED, "xml", std::string(what) + ": contains a DTD (<!DOCTYPE/<!ENTITY)",
                      "terminal messages never carry a DTD; do not process this file and check where it came from");
  static constexpr std::string_view predefined[] = {"lt;", "gt;", "amp;", "quot;", "apos;"};
  bool any = false;
  for (auto at = text.find('&'); at != std::string_view::npos; at = text.find('&', at + 1)) {
    any = true;
    const std::string_view rest = text.substr(at + 1);
    bool ok = false;
    for (auto p : predefined) ok = ok || rest.substr(0, p.size()) == p;
    if (!ok && rest.starts_with('#')) {
      // A character reference must name a character XML allows in text (a surrogate would also
      // expand into bytes that are not UTF-8).
      const bool hex = rest.size() > 1 && (rest[1] == 'x' || rest[1] == 'X');
      const std::string_view digits = rest.substr(hex ? 2 : 1, rest.find(';') == std::string_view::npos
                                                                   ? 0
                                                                   : rest.find(';') - (hex ? 2 : 1));
      unsigned long cp = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      ok = !digits.empty() && digits.size() <= 8 && ec == std::errc() && end == digits.data() + digits.size() &&
           xml_character(cp);
      if (!ok)
        return make_error(ONSHI_E_PROTOCOL, "xml",
                          std::string(what) + ": a character reference near offset " + std::to_string(at) +
                              " names no character that text may hold",
                          "the sender wrote a broken reference (&#0;, a surrogate, ...); keep the file and report it");
    }
    if (!ok)
      return make_error(ONSHI_E_REFUSED, "xml",
                        std::string(what) + ": reference to an undeclared entity near offset " + std::to_string(at),
                        "only &lt; &gt; &amp; &quot; &apos; and character references are allowed");
  }
  return any;
}

// True when an '=' follows a '<' with no '>' between: an attribute's '=' always does, while the
// '=' that ends a base64 value (ArbitraryFileIdentifier) is text and does not. Each stretch
// between two '=' is looked at once, so a value full of '=' costs no more than its length.
bool equals_in_a_tag(std::string_view text, std::size_t from) {
  bool in_tag = false;  // whether the last '<' or '>' before `from` was a '<'
  for (auto at = text.find('=', from); at != std::string_view::npos; from = at, at = text.find('=', at + 1)) {
    const std::string_view before = text.substr(from, at - from);
    if (const auto mark = before.find_last_of("<>"); mark != std::string_view::npos) in_tag = before[mark] == '<';
    if (in_tag) return true;
  }
  return false;
}

void append(pugi::xml_node parent, const Element& e) {
  pugi::xml_node n = parent.append_child(e.name.c_str());
  if (!e.text.empty()) n.append_child(pugi::node_pcdata).set_value(e.text.c_str());
  for (const auto& c : e.children) append(n, c);
}

Result<void> check_encodable(const Element& e, text::Encoding enc) {
  if (!e.text.empty()) {
    auto r = text::encode_from_utf8(e.text, enc, "<" + e.name + ">");
    if (!r) return std::move(r).error();
  }
  for (const auto& c : e.children) {
    auto r = check_encodable(c, enc);
    if (!r) return r;
  }
  return {};
}

// Where `utf8` holds a character XML 1.0 cannot carry in text, even as a reference (C0 controls
// but tab/LF/CR, U+FFFE, U+FFFF); npos when none. pugixml would write one as &#26; — a file this
// reader refuses, so it is never written (libs_oqs_fuzz found it).
std::size_t unwritable_at(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x20 && !xml_character(c)) return i;
    if (utf8.substr(i, 3) == "\xEF\xBF\xBE" || utf8.substr(i, 3) == "\xEF\xBF\xBF") return i;
  }
  return std::string_view::npos;
}

bool valid_name(const std::string& name) {
  if (name.empty() || std::strchr("0123456789-.", name[0])) return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80)) return false;
  return true;
}

// What may be written: element names XML allows, and text XML can carry.
Result<void> check_writable(const Element& e) {
  if (!valid_name(e.name))
    return make_error(ONSHI_E_INVALID_ARGUMENT, "xml", "\"" + e.name + "\" is not a valid element name",
                      "element names come from the interface specification; fix the caller");
  if (!e.text.empty() && !e.children.empty())
    return make_error(ONSHI_E_INVALID_ARGUMENT, "xml", "<" + e.name + "> holds both text and elements",
                      "an element is a value or a group, never both (xml_msg.hpp); fix the caller");
  if (const auto at = unwritable_at(e.text); at != std::string_view::npos)
    return make_error(ONSHI_E_INVALID_ARGUMENT, "xml",
                      "<" + e.name + "> holds a character XML cannot carry (a control character at byte " +
                          std::to_string(at) + ")",
                      "remove control characters from that field before sending");
  for (const auto& c : e.children)
    if (auto r = check_writable(c); !r) return r;
  return {};
}

}  // namespace

namespace detail {

Result<void> load_xml(std::string_view bytes, std::string_view what, const ReadLimits& limits, XmlDoc& out) {
  if (bytes.size() > limits.max_bytes)
    return make_error(ONSHI_E_REFUSED, "xml",
                      std::string(what) + ": " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                          std::to_string(limits.max_bytes),
                      "no terminal message is this large; check the file, or raise ReadLimits::max_bytes");
  if (bytes.empty()) return malformed(what, "the file is empty", "it may still be being written; read it again later");
  // The BOM stays in what is decoded and parsed (pugixml skips it), so that offsets in
  // errors about a UTF-8 file count from its first byte.
  const std::string_view after_bom = bytes.substr(bytes.starts_with("\xEF\xBB\xBF") ? 3 : 0);
  const bool bom = after_bom.size() != bytes.size();
  if (after_bom.starts_with("\xFE\xFF") || after_bom.starts_with("\xFF\xFE"))
    return make_error(ONSHI_E_NOT_SUPPORTED, "xml", std::string(what) + ": UTF-16 is not supported",
                      "the terminal writes Shift_JIS or UTF-8; set its 文字コード識別 accordingly");

  auto encoding = declared_encoding(after_bom, what);
  if (!encoding) return std::move(encoding).error();
  if (bom && *encoding != text::Encoding::utf8)
    return malformed(what, "a UTF-8 byte order mark contradicts the declared encoding");
  auto utf8 = text::decode_to_utf8(bytes, *encoding, what);
  if (!utf8) return std::move(utf8).error();
  auto references = refuse_dtd_and_entities(*utf8, what);
  if (!references) return std::move(references).error();

  // The text is our own copy, so pugixml may parse it in place instead of copying it again.
  out.text = std::move(utf8).value();
  out.encoding = *encoding;
  // Only what the checks leave to do: references are expanded and CR LF made LF only when the text
  // has any, attributes are refused whatever their value (so no wconv_attribute), and
  // parse_embed_pcdata keeps an element's first character data in the element itself rather than
  // in a child node: half the nodes to build and to walk, the same text (leaf_text, element_of).
  unsigned options = pugi::parse_cdata | pugi::parse_ws_pcdata_single | pugi::parse_embed_pcdata;
  if (*references) options |= pugi::parse_escapes;
  if (out.text.find('\r') != std::string::npos) options |= pugi::parse_eol;
  // Before parsing, which writes into the text (over an attribute's '=', for one). A declaration
  // is closed if present (declared_encoding checked it).
  const bool declared = std::string_view(out.text).substr(bom ? 3 : 0).starts_with("<?xml");
  out.attributes_possible = equals_in_a_tag(out.text, declared ? out.text.find("?>") : 0);
  const pugi::xml_parse_result parsed =
      out.doc.load_buffer_inplace(out.text.data(), out.text.size(), options, pugi::encoding_utf8);
  if (!parsed)
    return malformed(what, std::string(parsed.description()) + " at offset " + std::to_string(parsed.offset),
                     "the file may still be being written; read it again, or check the sender");

  const pugi::xml_node root = out.doc.document_element();
  if (std::strcmp(root.name(), "XmlMsg") != 0)
    return malformed(what, std::string("root element is <") + root.name() + ">, expected <XmlMsg>");
  if (root.first_attribute())
    return malformed(what, "element <XmlMsg> has attributes, which the interface never uses");

  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (!out.header && std::strcmp(c.name(), "MessageHeader") == 0) out.header = c;
    else if (!out.body && std::strcmp(c.name(), "MessageBody") == 0) out.body = c;
    else out.extra.push_back(c);
  }
  if (!out.header) return malformed(what, "<XmlMsg> has no <MessageHeader>");
  return {};  // a header-only answer (e.g. a refusal) is still a message
}

bool TreeCheck::refuse(pugi::xml_node node, std::size_t depth) {
  if (error) return false;
  if (depth > limits.max_depth)
    error = make_error(ONSHI_E_REFUSED, "xml", std::string(what) + ": elements nested deeper than " +
                                                   std::to_string(limits.max_depth),
                       "terminal messages are a few levels deep; this file is not one");
  else if (count > limits.max_elements)
    error = make_error(ONSHI_E_REFUSED, "xml", std::string(what) + ": more than " +
                                                   std::to_string(limits.max_elements) + " elements",
                       "split the bulk request or raise ReadLimits::max_elements");
  else
    error = malformed(what, std::string("element <") + node.name() + "> has attributes, which the interface never uses");
  return false;
}

bool leaf_text(pugi::xml_node node, std::string& out) {
  out.append(node.value());  // the first character data (parse_embed_pcdata); appending is cheaper than assigning
  for (pugi::xml_node c = node.first_child();; c = c.next_sibling()) {
    const pugi::xml_node_type t = c.type();  // node_null past the last child: one call instead of two
    if (t == pugi::node_null) break;
    if (t == pugi::node_element) return false;
    if (t == pugi::node_pcdata || t == pugi::node_cdata) out += c.value();
  }
  return true;  // comments and processing instructions carry no data
}

Element element_of(const Node& n) {
  Element e{n.node.name(), n.node.value(), {}};  // the first character data (parse_embed_pcdata), then the rest
  for (pugi::xml_node c = n.node.first_child();; c = c.next_sibling()) {
    const pugi::xml_node_type t = c.type();
    if (t == pugi::node_null) break;
    if (t == pugi::node_pcdata || t == pugi::node_cdata) e.text += c.value();
    else if (t == pugi::node_element && n.check->enter(c, n.depth + 1))
      e.children.push_back(element_of(Node{c, n.depth + 1, n.check}));
  }
  // A group's own text (text beside elements, which the interface never has) is not kept: text is
  // for values (xml_msg.hpp), as the typed views read it. Kept, it was written back around the
  // children and changed their layout on every round trip (libs_oqs_fuzz).
  if (!e.children.empty()) e.text.clear();
  return e;
}

}  // namespace detail

Result<XmlMsg> read_xml_msg(std::string_view bytes, std::string_view what, const ReadLimits& limits) {
  detail::XmlDoc doc;
  if (auto loaded = detail::load_xml(bytes, what, limits, doc); !loaded) return std::move(loaded).error();
  detail::TreeCheck check{what, limits, doc};
  auto element = [&](pugi::xml_node n) {
    return check.enter(n, 1) ? detail::element_of({n, 1, &check}) : Element{};
  };
  XmlMsg msg;
  msg.source_encoding = doc.encoding;
  msg.header = element(doc.header);
  if (doc.body) msg.body = element(doc.body);
  else msg.body.name = "MessageBody";
  for (pugi::xml_node e : doc.extra) msg.extra.push_back(element(e));
  if (check.error) return std::move(*check.error);
  return msg;
}

Result<std::string> write_xml_msg(const XmlMsg& msg, const WriteOptions& options) {
  XmlMsg m = msg;
  m.header.name = "MessageHeader";
  m.body.name = "MessageBody";
  std::vector<const Element*> all = {&m.header, &m.body};
  for (const auto& e : m.extra) all.push_back(&e);
  for (const Element* e : all)
    if (auto r = check_writable(*e); !r) return std::move(r).error();

  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = std::string(text::encoding_label(options.encoding)).c_str();
  decl.append_attribute("standalone") = "no";
  pugi::xml_node root = doc.append_child("XmlMsg");
  append(root, m.header);
  append(root, m.body);
  for (const auto& e : m.extra) append(root, e);

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_empty_element_tags, pugi::encoding_utf8);
  auto bytes = text::encode_from_utf8(out.str(), options.encoding, "XML message");
  if (bytes) return bytes;
  // The whole text at once, and element by element only to name the element at fault.
  for (const Element* e : all)
    if (auto r = check_encodable(*e, options.encoding); !r) return std::move(r).error();
  return bytes;
}

}  // namespace onshi::oqs
