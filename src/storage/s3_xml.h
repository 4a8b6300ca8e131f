// The XML of S3's answers, read with libxml2, and the few request bodies S3 wants in XML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/error.h"

namespace storage::s3xml {

// <Error><Code>NoSuchKey</Code><Message>...</Message></Error>; nullopt when `body` is not one.
struct ErrorBody {
  std::string code;
  std::string message;
};
std::optional<ErrorBody> parse_error(std::string_view body);

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
};

// One page of ListObjectsV2.
struct ListPage {
  std::vector<ListedObject> objects;
  std::vector<std::string> common_prefixes;
  std::string next_continuation_token;  // "" on the last page
};
sys::Result<ListPage> parse_list_objects(std::string_view body);

// InitiateMultipartUploadResult's UploadId.
sys::Result<std::string> parse_upload_id(std::string_view body);

// The ETag of CopyObjectResult / CopyPartResult / CompleteMultipartUploadResult. S3 may
// answer these 200 and still fail (the error comes in the body): that is an error here.
sys::Result<std::string> parse_result_etag(std::string_view body);

// Keys DeleteObjects could not delete, with why ("key: Code: Message").
sys::Result<std::vector<std::string>> parse_delete_errors(std::string_view body);

struct CompletedPart {
  int number = 0;
  std::string etag;
};
std::string complete_multipart_body(const std::vector<CompletedPart>& parts);
std::string delete_objects_body(const std::vector<std::string>& keys);

}  // namespace storage::s3xml
