// A bounded pool for the sync: `work(i)` for every i < count, at most `workers` at a time.
#pragma once

#include <cstddef>
#include <functional>

namespace imagesync {

void for_each_parallel(std::size_t count, int workers,
                       const std::function<void(std::size_t)>& work);

}  // namespace imagesync
