// The mustache templates of the mails secmaild writes (kainjow-mustache),
// loaded once from the templates directory. Templates see a JSON context
// built from policy and report metadata only; values are inserted as data and
// never evaluated, so template syntax inside them stays text. Output is
// plain text: no HTML escaping.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "secmaild/config/config.hpp"
#include "secmaild/util/result.hpp"

namespace secmaild::answer {

// The templates a templates directory must hold, without the ".txt.mustache" suffix.
const std::vector<std::string>& requiredTemplates();

class Templates {
public:
    // Loads and compiles every required template; problems name file and line.
    static Result<Templates> load(const std::filesystem::path& dir, std::vector<config::Problem>& problems);
    static Templates fromStrings(const std::map<std::string, std::string>& sources);

    // Throws std::logic_error for a template that was not loaded (a bug).
    // Not thread-safe: one thread renders (the pass thread).
    std::string render(const std::string& name, const nlohmann::json& context) const;

private:
    struct Compiled;
    // Compiled once: kainjow compiles a template in its constructor, which was
    // a fifth of the work of filing a report.
    std::shared_ptr<Compiled> compiled_;
};

}  // namespace secmaild::answer
