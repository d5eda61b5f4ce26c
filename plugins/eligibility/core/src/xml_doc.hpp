// Internal: a terminal file checked and parsed, before it becomes an Element tree.
// read_xml_msg builds the tree from it; parse_message reads its typed view straight from
// the pugixml nodes, which spares copying every name and text twice.
#pragma once

#include <onshi/eligibility/xml_msg.hpp>

#include <pugixml.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace onshi::eligibility::detail {

struct XmlDoc {
  std::string text;  // the UTF-8 text pugixml parsed in place: it must live as long as `doc`
  pugi::xml_document doc;
  TextEncoding encoding = TextEncoding::utf8;
  // The children of <XmlMsg>: the first MessageHeader and MessageBody (body may be null), the rest.
  pugi::xml_node header, body;
  std::vector<pugi::xml_node> extra;
};

// Everything read_xml_msg promises (limits, encodings, DTD refusal, plain elements, a header)
// is checked here; `doc` is filled in place because pugixml documents cannot be moved.
Result<void> load_xml(std::string_view bytes, std::string_view what, const ReadLimits& limits, XmlDoc& doc);

// An element's text: its character data and CDATA sections, in order.
std::string text_of(pugi::xml_node node);
Element element_of(pugi::xml_node node);

}  // namespace onshi::eligibility::detail
