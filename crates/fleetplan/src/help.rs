//! The "Examples:" section of every command's `--help` (clap `after_help`): commands that run
//! as written from the root of a clone, each line under 100 columns so that clap never wraps it.

/// `fleetplan check`.
pub const CHECK: &str = "Examples:
  fleetplan check examples/quickstart.toml
  fleetplan check examples/quickstart.toml --format json   # every diagnostic, line and column";

/// `fleetplan catalog`.
pub const CATALOG: &str = "Examples:
  fleetplan catalog chips
  fleetplan catalog chips --available 2026Q3
  fleetplan catalog regions --format json
  fleetplan --catalog my-prices.toml catalog prices   # with your own overrides";

/// `fleetplan policy`.
pub const POLICY: &str = "Examples:
  fleetplan policy check --chip h20 --site cn --date 2025-06-01 --buyer-hq CN
  fleetplan policy check --chip h100-sxm --site my-johor --date 2025-06-01 --buyer-hq CN --lease
  fleetplan policy matrix --buyer-hq CN --date 2026-06-01 --format json";

/// `fleetplan policy check`.
pub const POLICY_CHECK: &str = "Examples:
  fleetplan policy check --chip h20 --site cn --date 2025-06-01 --buyer-hq CN
  fleetplan policy check --chip h20 --site cn --date 2025-06-01 --buyer-hq CN --format json
  fleetplan policy check --chip h20 --site cn --date 2025-06-01 --buyer-hq CN --lease";

/// `fleetplan policy matrix`.
pub const POLICY_MATRIX: &str = "Examples:
  fleetplan policy matrix --buyer-hq CN --date 2026-06-01
  fleetplan policy matrix --buyer-hq US --date 2025-06-01 --assume-licences --format json";

/// `fleetplan schema`.
pub const SCHEMA: &str = "Examples:
  fleetplan schema > scenario.schema.json   # the committed copy is docs/scenario.schema.json";

/// `fleetplan perf`.
pub const PERF: &str = "Examples:
  fleetplan perf infer --chip h100-sxm --chips 8 --model llama-2-70b --precision fp8
  fleetplan perf train --chip h100-sxm --chips 1024 --model llama-3.1-70b --tokens 1e12
  fleetplan perf gen --chip h100-sxm --model flux.1-dev --format json";

/// `fleetplan perf infer`.
pub const PERF_INFER: &str = "Examples:
  fleetplan perf infer --chip h100-sxm --chips 8 --model llama-2-70b --precision fp8
  fleetplan perf infer --chip h200 --chips 8 --model llama-3.1-70b --curve --format json";

/// `fleetplan perf train`.
pub const PERF_TRAIN: &str = "Examples:
  fleetplan perf train --chip h100-sxm --chips 1024 --model llama-3.1-70b --tokens 1e12
  fleetplan perf train --chip b200 --chips 4096 --model llama-3.1-405b --format json";

/// `fleetplan perf gen`.
pub const PERF_GEN: &str = "Examples:
  fleetplan perf gen --chip h100-sxm --model flux.1-dev
  fleetplan perf gen --chip h100-sxm --model flux.1-dev --format json";

/// `fleetplan validate`.
pub const VALIDATE: &str = "Examples:
  fleetplan validate crates/fleetplan-models/tests/data/calibration.toml
  fleetplan validate crates/fleetplan-models/tests/data/calibration.toml --format json
The case format is described in docs/performance-model.md (section 7, Calibration) and
docs/fleet-validation.md (fleet cases).";

/// `fleetplan evaluate`.
pub const EVALUATE: &str = "Examples:
  fleetplan evaluate examples/quickstart.toml
  fleetplan evaluate examples/quickstart.toml --format csv
  fleetplan evaluate examples/bytedance-2025.toml --out target/report   # HTML, JSON and CSV";

/// `fleetplan compare`.
pub const COMPARE: &str = "Examples:
  fleetplan compare examples/quickstart.toml examples/us-hyperscaler-2025.toml
  fleetplan compare examples/quickstart.toml examples/us-hyperscaler-2025.toml --format json";

/// `fleetplan simulate`.
pub const SIMULATE: &str = "Examples:
  fleetplan simulate --chip h100-sxm --chips 8 --tp 2 --model llama-2-70b --precision fp8 --qps 75
  fleetplan simulate examples/quickstart.toml --workload assistant --hours 1 --format json
  fleetplan simulate examples/quickstart.toml --workload assistant --hours 1 --out target/sim";

/// `fleetplan optimize`.
pub const OPTIMIZE: &str = "Examples:
  fleetplan optimize examples/bytedance-2025.toml
  fleetplan optimize examples/quickstart.toml --objective max-served --format json
  fleetplan optimize examples/bytedance-2025.toml --out target/plan   # target/plan/plan.toml
  fleetplan optimize examples/quickstart.toml --robust 20 --quantile 0.9 --seed 7";

/// `fleetplan sweep`.
pub const SWEEP: &str = "Examples:
  fleetplan sweep examples/quickstart.toml --samples 200 --seed 7
  fleetplan sweep examples/quickstart.toml --samples 200 --output tco_total --format json
  fleetplan sweep examples/bytedance-2025.toml --samples 1000 --seed 7 --out target/sweep";

/// `fleetplan gen-scenario`.
pub const GEN_SCENARIO: &str = "Examples:
  fleetplan gen-scenario --sites 20 --workloads 10 --quarters 8 > target/big.toml
  fleetplan gen-scenario --seed 7 | fleetplan check /dev/stdin";

/// `fleetplan serve`.
pub const SERVE: &str = "Examples:
  fleetplan serve
  fleetplan serve my-scenario.toml --open
  fleetplan serve --bind 127.0.0.1:0
  fleetplan serve --bind 0.0.0.0:8765 --allow-remote   (prints a bearer token; see docs/serve.md)";
