// How ChangesSince and ExplainModel classify a changed path: code, data, config, model or
// dependencies (record.proto PathClass), from its folders and extension. Pure.
// Requires: nothing. Used by: RecordService.
#pragma once

#include <string_view>

namespace mlvc::server::core {

// record.proto's PathClass numbers.
enum class PathClass { kCode = 1, kData = 2, kConfig = 3, kModel = 4, kDependencies = 5 };

// First match wins: dependency files (requirements*.txt, environment.yml/.yaml,
// pyproject.toml, Dockerfile) -> kDependencies; model files (*.pt, *.pth, *.onnx,
// *.safetensors, *.ckpt, *.h5) -> kModel; under a data/ or datasets/ folder, or *.csv,
// *.parquet, *.tsv, *.jsonl -> kData; under configs/ (or config/), or *.yaml, *.yml,
// *.json, *.toml -> kConfig; anything else kCode. Case-insensitive.
PathClass ClassifyPath(std::string_view path);

}  // namespace mlvc::server::core
