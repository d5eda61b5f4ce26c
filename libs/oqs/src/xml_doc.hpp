// Internal: a terminal file checked and parsed, before it becomes an Element tree.
// read_xml_msg builds the tree from it; parse_message reads its typed view straight from
// the pugixml nodes, which spares copying every name and text twice.
#pragma once

#include <onshi/oqs/xml_msg.hpp>

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::oqs::detail {

struct XmlDoc {
  std::string text;  // the UTF-8 text pugixml parsed in place: it must live as long as `doc`
  pugi::xml_document doc;
  text::Encoding encoding = text::Encoding::utf8;
  // The children of <XmlMsg>: the first MessageHeader and MessageBody (body may be null), the rest.
  pugi::xml_node header, body;
  std::vector<pugi::xml_node> extra;
  // False when no tag after the XML declaration holds an '=': then no element can have an
  // attribute, and the walk need not ask each one (TreeCheck).
  bool attributes_possible = true;
};

// Checks the bytes (limits, encodings, DTD refusal), parses them and checks the root (<XmlMsg>
// without attributes, a header); `doc` is filled in place because pugixml documents cannot be
// moved. The tree below the root is checked by the one walk that reads it (TreeCheck).
Result<void> load_xml(std::string_view bytes, std::string_view what, const ReadLimits& limits, XmlDoc& doc);

// The bounds and the shape (plain elements, no attributes) of the tree read_xml_msg promises,
// checked element by element while the tree is read: one walk instead of two.
struct TreeCheck {
  TreeCheck(std::string_view w, const ReadLimits& l, const XmlDoc& doc)
      : what(w), limits(l), attributes(doc.attributes_possible) {}
  std::string_view what;
  const ReadLimits& limits;
  bool attributes;
  std::size_t count = 1;        // <XmlMsg> itself
  std::optional<Error> error;   // the first problem; nothing below it is read
  // False: do not read `node`. Inline, as it runs for every element.
  [[gnu::always_inline]] bool enter(pugi::xml_node node, std::size_t depth) {
    if (depth <= limits.max_depth && ++count <= limits.max_elements && !error && !(attributes && node.first_attribute()))
      return true;
    return refuse(node, depth);
  }
  bool refuse(pugi::xml_node node, std::size_t depth);  // sets `error` (once), returns false
};

// An element met in that walk: <XmlMsg>'s children are at depth 1.
struct Node {
  pugi::xml_node node;
  std::size_t depth;
  TreeCheck* check;
};

// An element's text into `out`: its character data and CDATA sections, in order; false when it
// has child elements (a group, not a value). load_xml parses with parse_embed_pcdata, so the
// first character data is the element's own value: these two read it from there.
bool leaf_text(pugi::xml_node node, std::string& out);  // `out` starts empty
Element element_of(const Node& node);

}  // namespace onshi::oqs::detail
