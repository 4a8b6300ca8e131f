#include "openshift/mirror_merge.h"

#include <map>
#include <set>

namespace openshift {

std::vector<std::string> merge_mirror_lists(const std::string& source,
                                            const std::vector<std::vector<std::string>>& lists) {
  std::map<std::string, std::set<std::string>> successors;
  std::map<std::string, int> in_degree;
  auto add_edge = [&](const std::string& from, const std::string& to) {
    in_degree.try_emplace(from, 0);
    in_degree.try_emplace(to, 0);
    if (from != to && successors[from].insert(to).second) ++in_degree[to];
  };
  for (const auto& list : lists) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      add_edge(list[i], i + 1 < list.size() ? list[i + 1] : source);
    }
  }

  std::vector<std::string> order;
  while (!in_degree.empty()) {
    auto next = in_degree.begin();  // the lexically first node, used when all are in a cycle
    for (auto it = in_degree.begin(); it != in_degree.end(); ++it) {
      if (it->second == 0) {
        next = it;
        break;
      }
    }
    const std::string node = next->first;
    in_degree.erase(next);
    for (const std::string& successor : successors[node]) {
      if (auto it = in_degree.find(successor); it != in_degree.end()) --it->second;
    }
    order.push_back(node);
  }
  if (!order.empty() && order.back() == source) order.pop_back();
  return order;
}

}  // namespace openshift
