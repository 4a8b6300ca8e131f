// One upstream fetch per blob for a whole cluster: replicas sharing a database take a lease
// named after the blob before they fetch it. The holder renews it while bytes arrive; the
// others wait, looking whether the blob got stored meanwhile, and take the lease over when it
// lapses (its holder died or stalled for longer than the lease lasts).
//
// The leases themselves live in the database (metadata::Store::acquire_lease/release_lease);
// this class holds the process's holder name and the timing, behind two functions so that it
// can be tested without one.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace mirror {

struct LeaseCalls {
  std::function<oci::Result<bool>(std::string_view name, std::string_view holder,
                                  std::chrono::milliseconds ttl)>
      acquire;
  std::function<oci::Result<void>(std::string_view name, std::string_view holder)> release;
};

struct LeaseTiming {
  std::chrono::milliseconds ttl{30'000};          // a holder that stops renewing loses it then
  std::chrono::milliseconds renew_every{10'000};  // while it fetches
  std::chrono::milliseconds poll_every{250};      // how often a waiting replica looks again
};

// What every lease of this process shares.
struct LeaseContext {
  LeaseCalls calls;
  std::string holder;  // names this process, unique in the cluster (new_lease_holder())
  LeaseTiming timing;
};

// One lease, for one fetch.
class ClusterLease {
 public:
  ClusterLease(const LeaseContext& context, std::string name);
  ClusterLease(const ClusterLease&) = delete;
  ClusterLease& operator=(const ClusterLease&) = delete;
  // Gives the lease up if held.
  ~ClusterLease();

  enum class Outcome { kHeld, kDoneElsewhere, kStopped };
  // Takes the lease, waiting while another replica holds it. `done_elsewhere` is asked after
  // each wait (has the holder stored the blob?); true ends the wait. `keep_going` false ends
  // it too (the server stops).
  oci::Result<Outcome> take(const std::function<oci::Result<bool>()>& done_elsewhere,
                            const std::function<bool()>& keep_going);
  // Renews the held lease when the last renewal is older than renew_every. False when it was
  // lost meanwhile (another replica took it over): the fetch goes on, possibly twice.
  oci::Result<bool> keep();

 private:
  const LeaseContext& context_;
  const std::string name_;
  bool held_ = false;
  std::chrono::steady_clock::time_point renewed_;
};

// A holder name for this process: host, process id and a random part.
std::string new_lease_holder();

}  // namespace mirror
