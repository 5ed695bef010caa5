// RAII for libxml2: an owned xmlDoc and a non-owning element view that
// navigates by local name (namespace prefixes and the EC2 default namespace
// http://ec2.amazonaws.com/doc/2016-11-15/ are ignored), so parsers read
// EC2 responses with or without the namespace declaration.
//
// A document with a DTD (<!DOCTYPE ...>, internal subset or external) is
// refused before any declaration in it is read: AWS never sends one, and
// entities (billion laughs, external entities) can only be declared there.
// So no entity beyond the five predefined ones and character references is
// ever expanded, and parsing never touches the network or the file system.
// libxml2 is initialised once per process (thread-safe).
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::aws {

inline constexpr const char* kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

class XmlParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A view of one element (or none). Valid while its XmlDoc lives. All
// navigation is noexcept; text() allocates.
class XmlNode {
public:
    XmlNode() noexcept = default;
    explicit XmlNode(xmlNode* n) noexcept : n_(n) {}
    explicit operator bool() const noexcept { return n_ != nullptr; }
    xmlNode* raw() const noexcept { return n_; }

    std::string_view name() const noexcept;        // local name, "" for none
    std::string_view namespace_uri() const noexcept;  // "" when none
    // First child element with that local name, or an empty node.
    XmlNode child(std::string_view local_name) const noexcept;
    // All child elements (with that local name, when given), in order.
    std::vector<XmlNode> children(std::string_view local_name = {}) const;
    // child(a).child(b)... ; empty when any step is missing.
    XmlNode path(std::initializer_list<std::string_view> names) const noexcept;
    // The concatenated text of all descendant text and CDATA nodes, in
    // document order ("" for an empty node). Linear in the text's size.
    std::string text() const;
    // Text of child(local_name), nullopt when the child is absent.
    std::optional<std::string> child_text(std::string_view local_name) const;
    // Text of child(local_name), "" when absent.
    std::string child_text_or_empty(std::string_view local_name) const;

private:
    xmlNode* n_ = nullptr;
};

class XmlDoc {
public:
    // Parses a complete document. Throws XmlParseError with libxml2's
    // message (line number included) for anything not well-formed, and for
    // a document with a DTD; std::bad_alloc.
    static XmlDoc parse(std::string_view text);

    XmlNode root() const noexcept;

private:
    struct Free {
        void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
    };
    explicit XmlDoc(xmlDoc* d) noexcept : doc_(d) {}
    std::unique_ptr<xmlDoc, Free> doc_;
};

}  // namespace stratus::aws
