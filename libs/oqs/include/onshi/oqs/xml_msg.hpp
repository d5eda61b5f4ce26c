// The XmlMsg envelope every terminal file uses: <XmlMsg><MessageHeader/><MessageBody/></XmlMsg>,
// plain elements, no attributes, no namespaces. This generic tree keeps every element
// (known or not), in document order, with its text exactly as sent.
#pragma once

#include <onshi/text/encoding.hpp>
#include <onshi/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::oqs {

struct Element {
  std::string name;
  std::string text;  // UTF-8, exact (leading spaces and zeros kept); empty for groups
  std::vector<Element> children;

  const Element* child(std::string_view child_name) const;
  // First element of that name at any depth below this one (the 薬剤/健診 status sits in varying places).
  const Element* find(std::string_view descendant_name) const;
  bool operator==(const Element&) const = default;
};

struct XmlMsg {
  Element header;              // MessageHeader
  Element body;                // MessageBody
  std::vector<Element> extra;  // any other child of XmlMsg, kept for round trips
  text::Encoding source_encoding = text::Encoding::utf8;  // what the file was written in (reading only)
  bool operator==(const XmlMsg& o) const { return header == o.header && body == o.body && extra == o.extra; }
};

// Bounds that keep a hostile or broken file from costing more than a few MB (S7).
struct ReadLimits {
  std::size_t max_bytes = 8u << 20;  // a 02res with hundreds of results stays far below
  std::size_t max_depth = 32;
  std::size_t max_elements = 200000;
};

// Honours the XML declaration (Shift_JIS or UTF-8; a UTF-8 BOM is fine). Refuses a DOCTYPE
// or any entity other than the five predefined ones and character references (XXE, billion laughs).
// `what` names the file in error messages.
Result<XmlMsg> read_xml_msg(std::string_view bytes, std::string_view what = "XML message", const ReadLimits& limits = {});

struct WriteOptions {
  text::Encoding encoding = text::Encoding::shift_jis;  // what the terminal's own samples use
};
// <?xml version="1.0" encoding="..." standalone="no"?> then the tree, indented.
Result<std::string> write_xml_msg(const XmlMsg& msg, const WriteOptions& options = {});

}  // namespace onshi::oqs
