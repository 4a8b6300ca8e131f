// Names used across the HTTP front.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory_resource>

namespace server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Header fields of requests and responses live in memory the connection reuses for each
// request (see Session), not one allocation per field.
using FieldAllocator = std::pmr::polymorphic_allocator<char>;
using Fields = http::basic_fields<FieldAllocator>;
using RequestParser = http::request_parser<http::buffer_body, FieldAllocator>;
using StringResponse = http::response<http::string_body, Fields>;
using HeaderResponse = http::response<http::empty_body, Fields>;

}  // namespace server
