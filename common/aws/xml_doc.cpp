#include "aws/xml_doc.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstring>
#include <mutex>
#include <new>

namespace stratus::aws {

namespace {

struct XmlCharFree {
    void operator()(xmlChar* p) const noexcept { xmlFree(p); }
};

void init_libxml() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

std::string_view as_view(const xmlChar* s) noexcept {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

bool is_element(const xmlNode* n, std::string_view local_name) noexcept {
    return n->type == XML_ELEMENT_NODE && (local_name.empty() || as_view(n->name) == local_name);
}

}  // namespace

std::string_view XmlNode::name() const noexcept { return n_ ? as_view(n_->name) : std::string_view(); }

std::string_view XmlNode::namespace_uri() const noexcept {
    return n_ && n_->ns ? as_view(n_->ns->href) : std::string_view();
}

XmlNode XmlNode::child(std::string_view local_name) const noexcept {
    if (!n_) return XmlNode();
    for (xmlNode* c = n_->children; c; c = c->next)
        if (is_element(c, local_name)) return XmlNode(c);
    return XmlNode();
}

std::vector<XmlNode> XmlNode::children(std::string_view local_name) const {
    std::vector<XmlNode> out;
    if (!n_) return out;
    for (xmlNode* c = n_->children; c; c = c->next)
        if (is_element(c, local_name)) out.emplace_back(c);
    return out;
}

XmlNode XmlNode::path(std::initializer_list<std::string_view> names) const noexcept {
    XmlNode n = *this;
    for (std::string_view name : names) {
        n = n.child(name);
        if (!n) break;
    }
    return n;
}

std::string XmlNode::text() const {
    if (!n_) return {};
    std::unique_ptr<xmlChar, XmlCharFree> content(xmlNodeGetContent(n_));
    if (!content) return {};
    return std::string(as_view(content.get()));
}

std::optional<std::string> XmlNode::child_text(std::string_view local_name) const {
    XmlNode c = child(local_name);
    if (!c) return std::nullopt;
    return c.text();
}

std::string XmlNode::child_text_or_empty(std::string_view local_name) const { return child(local_name).text(); }

XmlDoc XmlDoc::parse(std::string_view text) {
    init_libxml();
    if (text.size() > static_cast<size_t>(INT_MAX)) throw XmlParseError("XML document too large");
    // No network, no entity substitution (XXE-safe), no stderr output.
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDoc* d = xmlReadMemory(text.data(), static_cast<int>(text.size()), "response.xml", nullptr, options);
    if (!d) {
        std::string msg = "malformed XML";
        if (const xmlError* e = xmlGetLastError()) {
            msg += " (line " + std::to_string(e->line) + "): ";
            std::string m = e->message ? e->message : "";
            while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
            msg += m;
        }
        xmlResetLastError();
        throw XmlParseError(msg);
    }
    XmlDoc doc(d);
    if (!doc.root()) throw XmlParseError("XML document has no root element");
    return doc;
}

XmlNode XmlDoc::root() const noexcept { return XmlNode(xmlDocGetRootElement(doc_.get())); }

}  // namespace stratus::aws
