#include "aws/xml_doc.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstring>
#include <mutex>
#include <new>

namespace stratus::aws {

namespace {

struct ParserCtxtFree {
    void operator()(xmlParserCtxt* c) const noexcept { xmlFreeParserCtxt(c); }
};

void init_libxml() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

std::string_view as_view(const xmlChar* s) noexcept {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

// SAX callback for <!DOCTYPE ...> (with or without an internal subset):
// notes it in the bool that _private points to and stops the parser, so
// no declaration in it is ever read. C frames above: must not throw.
void refuse_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) noexcept {
    auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
    *static_cast<bool*>(ctxt->_private) = true;
    xmlStopParser(ctxt);
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
    // Depth-first over the subtree, appending text and CDATA in document
    // order (what xmlNodeGetContent gives, minus entity references, which
    // cannot occur without a DTD). One growing string: linear in the
    // text's size, where xmlNodeGetContent's exact-size buffer reallocates
    // once per piece.
    std::string out;
    const xmlNode* c = n_ ? n_->children : nullptr;
    while (c) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) out += as_view(c->content);
        if (c->type == XML_ELEMENT_NODE && c->children) {
            c = c->children;
            continue;
        }
        while (c != n_ && !c->next) c = c->parent;
        c = c == n_ ? nullptr : c->next;
    }
    return out;
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
    std::unique_ptr<xmlParserCtxt, ParserCtxtFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) throw std::bad_alloc();
    bool doctype = false;
    ctxt->_private = &doctype;
    ctxt->sax->internalSubset = refuse_doctype;
    // No network, no DTD loading, no entity substitution, no stderr output.
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDoc* d = xmlCtxtReadMemory(ctxt.get(), text.data(), static_cast<int>(text.size()), "response.xml", nullptr,
                                  options);
    if (doctype) {
        xmlFreeDoc(d);
        throw XmlParseError("XML document has a DTD (<!DOCTYPE>): refused, AWS never sends one");
    }
    if (!d) {
        std::string msg = "malformed XML";
        if (const xmlError* e = xmlCtxtGetLastError(ctxt.get()); e && e->code != XML_ERR_OK) {
            msg += " (line " + std::to_string(e->line) + "): ";
            std::string m = e->message ? e->message : "";
            while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
            msg += m;
        }
        throw XmlParseError(msg);
    }
    XmlDoc doc(d);
    if (!doc.root()) throw XmlParseError("XML document has no root element");
    return doc;
}

XmlNode XmlDoc::root() const noexcept { return XmlNode(xmlDocGetRootElement(doc_.get())); }

}  // namespace stratus::aws
