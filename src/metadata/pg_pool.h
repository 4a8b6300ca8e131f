// At most `size` PostgreSQL connections shared by the threads of a process: a thread borrows
// one for a call and gives it back. A connection found broken is dropped rather than given
// back, so that the next borrower opens a new one (after a server restart, say).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metadata/pg_connection.h"

namespace metadata::postgres {

class Pool {
 public:
  Pool(std::string url, std::size_t size, std::chrono::milliseconds connect_timeout);

  // A borrowed connection, given back when dropped.
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // An idle connection, or a new one while fewer than `size` exist; else waits for one.
  oci::Result<Lease> borrow();

  // Runs `body(Connection&)` on a borrowed connection. When the connection turns out to have
  // been lost before the server saw anything of this call (an idle connection the server
  // closed while restarting), the call is made once more on a new connection: the other idle
  // connections went down with it, and are dropped.
  template <class Body>
  std::invoke_result_t<Body&, Connection&> with_connection(Body&& body) {
    for (int attempt = 1;; ++attempt) {
      auto connection = borrow();
      if (!connection) return std::unexpected(std::move(connection.error()));
      (*connection)->mark_fresh();
      auto result = body(**connection);
      if (result || attempt == 2 || !(*connection)->broken() || !lost_at_once(**connection)) {
        return result;
      }
      drop_idle();
    }
  }

  const std::string& url() const { return url_; }

 private:
  // Lost on its first statement: nothing of the call reached the server.
  static bool lost_at_once(const Connection& connection) {
    return connection.statements_run() <= 1;
  }
  void give_back(std::unique_ptr<Connection> connection);
  void drop_idle();

  const std::string url_;
  const std::size_t size_;
  const std::chrono::milliseconds connect_timeout_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle and borrowed
};

}  // namespace metadata::postgres
