// Every image of the set checked by `jobs` threads at once; the verdicts come back in the
// set's order. `on_done` is called (from the worker threads, one call at a time) as each
// image is finished, for a progress display. A check that throws is that image's ERROR.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "verify/image_check.h"
#include "verify/verdict.h"

namespace verify {

using CheckedCallback = std::function<void(const ImageVerdict&)>;

std::vector<ImageVerdict> run_checks(const std::vector<std::string>& images,
                                     const ImageChecker& checker, int jobs,
                                     const CheckedCallback& on_done);

}  // namespace verify
