#include "storage/s3_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <memory>

namespace storage::s3xml {

namespace {

struct FreeDocument {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};
using Document = std::unique_ptr<xmlDoc, FreeDocument>;

Document parse(std::string_view body) {
  if (body.empty()) return nullptr;
  return Document(xmlReadMemory(
      body.data(), static_cast<int>(body.size()), nullptr, nullptr,
      XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

bool named(const xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

std::vector<const xmlNode*> children(const xmlNode* parent, std::string_view name) {
  std::vector<const xmlNode*> found;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (named(child, name)) found.push_back(child);
  }
  return found;
}

std::string text(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return out;
}

std::string child_text(const xmlNode* parent, std::string_view name) {
  auto found = children(parent, name);
  return found.empty() ? "" : text(found.front());
}

// The root element when it is named `name`; an error naming what came instead otherwise.
sys::Result<const xmlNode*> root(const Document& document, std::string_view name) {
  const xmlNode* node = document ? xmlDocGetRootElement(document.get()) : nullptr;
  if (node == nullptr) return sys::fail(sys::Errc::kIo, "S3 answered no XML document");
  if (named(node, "Error")) {
    return sys::fail(sys::Errc::kIo,
                     "S3 error " + child_text(node, "Code") + ": " + child_text(node, "Message"));
  }
  if (!named(node, name)) {
    return sys::fail(sys::Errc::kIo, "S3 answered <" +
                                         std::string(reinterpret_cast<const char*>(node->name)) +
                                         ">, expected <" + std::string(name) + ">");
  }
  return node;
}

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<ErrorBody> parse_error(std::string_view body) {
  const Document document = parse(body);
  const xmlNode* node = document ? xmlDocGetRootElement(document.get()) : nullptr;
  if (node == nullptr || !named(node, "Error")) return std::nullopt;
  return ErrorBody{child_text(node, "Code"), child_text(node, "Message")};
}

sys::Result<ListPage> parse_list_objects(std::string_view body) {
  const Document document = parse(body);
  auto result = root(document, "ListBucketResult");
  if (!result) return std::unexpected(result.error());
  ListPage page;
  for (const xmlNode* contents : children(*result, "Contents")) {
    ListedObject object{child_text(contents, "Key"), 0};
    const std::string size = child_text(contents, "Size");
    std::from_chars(size.data(), size.data() + size.size(), object.size);
    page.objects.push_back(std::move(object));
  }
  for (const xmlNode* prefix : children(*result, "CommonPrefixes")) {
    page.common_prefixes.push_back(child_text(prefix, "Prefix"));
  }
  if (child_text(*result, "IsTruncated") == "true") {
    page.next_continuation_token = child_text(*result, "NextContinuationToken");
    if (page.next_continuation_token.empty()) {
      return sys::fail(sys::Errc::kIo, "S3 listing is truncated without a continuation token");
    }
  }
  return page;
}

sys::Result<std::string> parse_upload_id(std::string_view body) {
  const Document document = parse(body);
  auto result = root(document, "InitiateMultipartUploadResult");
  if (!result) return std::unexpected(result.error());
  std::string id = child_text(*result, "UploadId");
  if (id.empty()) return sys::fail(sys::Errc::kIo, "S3 answered no UploadId");
  return id;
}

sys::Result<std::string> parse_result_etag(std::string_view body) {
  const Document document = parse(body);
  const xmlNode* node = document ? xmlDocGetRootElement(document.get()) : nullptr;
  if (node == nullptr) return sys::fail(sys::Errc::kIo, "S3 answered no XML document");
  for (std::string_view name :
       {"CopyObjectResult", "CopyPartResult", "CompleteMultipartUploadResult"}) {
    if (named(node, name)) return child_text(node, "ETag");
  }
  auto error = root(document, "CopyObjectResult");
  return std::unexpected(error.error());
}

sys::Result<std::vector<std::string>> parse_delete_errors(std::string_view body) {
  const Document document = parse(body);
  auto result = root(document, "DeleteResult");
  if (!result) return std::unexpected(result.error());
  std::vector<std::string> errors;
  for (const xmlNode* error : children(*result, "Error")) {
    errors.push_back(child_text(error, "Key") + ": " + child_text(error, "Code") + ": " +
                     child_text(error, "Message"));
  }
  return errors;
}

std::string complete_multipart_body(const std::vector<CompletedPart>& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const auto& part : parts) {
    body += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" +
            escaped(part.etag) + "</ETag></Part>";
  }
  return body + "</CompleteMultipartUpload>";
}

std::string delete_objects_body(const std::vector<std::string>& keys) {
  std::string body = "<Delete><Quiet>true</Quiet>";
  for (const auto& key : keys) body += "<Object><Key>" + escaped(key) + "</Key></Object>";
  return body + "</Delete>";
}

}  // namespace storage::s3xml
