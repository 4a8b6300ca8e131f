// Names used across the HTTP front.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using Stream = beast::tcp_stream;
using RequestParser = http::request_parser<http::buffer_body>;
using StringResponse = http::response<http::string_body>;
using HeaderResponse = http::response<http::empty_body>;

}  // namespace server
