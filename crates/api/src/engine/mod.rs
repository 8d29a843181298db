//! The engine: Flux's own code, in Go (`guest/`), compiled to WebAssembly, carried gzipped in
//! the binary and run inside this process by wasmtime — kustomize-controller's build (Flux's
//! generator, kustomize and variable substitution) for the preview, helm-controller's
//! composition of a HelmRelease's values for the values page. The guest sees at most a source
//! tree, read-only, and nothing else (no network, no processes, no writable file, no
//! environment), within a memory cap and a deadline; runs go a few at a time, each on a
//! blocking thread.
//!
//! The module is compiled once per process, the first time a feature wants it (not at start:
//! most processes never use it, and compiling costs seconds of every core).

use std::io::Read as _;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore};

use crate::error::ApiError;
use wasmtime::{Config, Engine as Runtime, Linker, Module, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

/// The guest, gzipped by build.rs.
static GUEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/engine.wasm.gz"));

/// Runs at once in a process: each takes a core while it runs.
pub const CONCURRENT: usize = 2;
/// How often the deadline's clock ticks.
const TICK: Duration = Duration::from_millis(100);
/// Where the guest finds the source tree.
pub const ROOT: &str = "/src";

/// What one build may take.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// The guest's linear memory, in bytes.
    pub memory: usize,
    pub time: Duration,
    /// The build's YAML, in bytes.
    pub output: usize,
    /// How long a run waits for its turn when `CONCURRENT` runs are going: zero refuses it at
    /// once (429).
    pub queue: Duration,
}

/// Why a build gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The build itself failed: the kustomization is wrong, as the controller would say.
    #[error("{0}")]
    Failed(String),
    #[error("the build needed more than {0} MiB of memory")]
    Memory(usize),
    #[error("the build took longer than {0:?}")]
    Time(Duration),
    #[error("the build's output is larger than {0} MiB")]
    Output(usize),
    #[error("{0} builds are running already: try again shortly")]
    Busy(usize),
    /// The engine itself is broken: flux-web's fault, not the caller's.
    #[error("the build engine failed: {0}")]
    Engine(String),
}

impl From<BuildError> for ApiError {
    fn from(error: BuildError) -> Self {
        match error {
            BuildError::Failed(_) | BuildError::Memory(_) => {
                ApiError::BuildFailed(error.to_string())
            }
            BuildError::Output(_) => ApiError::TooLarge(error.to_string()),
            BuildError::Time(_) => ApiError::BuildTimeout(error.to_string()),
            BuildError::Busy(_) => ApiError::TooManyRequests {
                detail: error.to_string(),
                retry_after: 5,
            },
            BuildError::Engine(_) => ApiError::Engine(error.to_string()),
        }
    }
}

pub struct Engine {
    runtime: Runtime,
    module: OnceCell<Module>,
    permits: Semaphore,
    /// Builds at once in this process.
    concurrent: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("concurrent", &self.concurrent)
            .finish()
    }
}

struct Guest {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// The process's one engine: its module is compiled once, the first time a feature wants it.
pub fn shared() -> Result<&'static Arc<Engine>, BuildError> {
    static ENGINE: OnceLock<Result<Arc<Engine>, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::new(CONCURRENT).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| BuildError::Engine(e.clone()))
}

impl Engine {
    pub fn new(concurrent: usize) -> Result<Arc<Self>, BuildError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        // Winch, wasmtime's baseline compiler: the module compiles in a fifth of Cranelift's
        // time (the first preview or values of a process waits for it), its code runs builds
        // about 1.7 times slower; both measured in docs/benchmarks.md.
        config.strategy(wasmtime::Strategy::Winch);
        let runtime = Runtime::new(&config).map_err(|e| BuildError::Engine(e.to_string()))?;
        // The deadline's clock: a thread that ticks as long as the engine lives.
        let ticker = runtime.weak();
        std::thread::Builder::new()
            .name("preview-clock".into())
            .spawn(move || {
                while let Some(runtime) = ticker.upgrade() {
                    runtime.increment_epoch();
                    drop(runtime);
                    std::thread::sleep(TICK);
                }
            })
            .map_err(|e| BuildError::Engine(e.to_string()))?;
        Ok(Arc::new(Self {
            runtime,
            module: OnceCell::new(),
            permits: Semaphore::new(concurrent),
            concurrent,
        }))
    }

    /// What the guest answers `input` (its JSON), within `caps`, given the tree at `tree` when
    /// the work needs one.
    pub async fn build(
        self: &Arc<Self>,
        tree: Option<&Path>,
        input: Vec<u8>,
        caps: Caps,
    ) -> Result<Vec<u8>, BuildError> {
        let busy = || BuildError::Busy(self.concurrent);
        let _permit = match caps.queue.is_zero() {
            true => self.permits.try_acquire().map_err(|_| busy())?,
            false => tokio::time::timeout(caps.queue, self.permits.acquire())
                .await
                .map_err(|_| busy())?
                .map_err(|_| busy())?,
        };
        let module = self.module().await?.clone();
        let (engine, tree) = (Arc::clone(self), tree.map(Path::to_owned));
        tokio::task::spawn_blocking(move || engine.run(&module, tree.as_deref(), input, caps))
            .await
            .map_err(|e| BuildError::Engine(e.to_string()))?
    }

    async fn module(&self) -> Result<&Module, BuildError> {
        self.module
            .get_or_try_init(|| async {
                let runtime = self.runtime.clone();
                tokio::task::spawn_blocking(move || compile(&runtime))
                    .await
                    .map_err(|e| BuildError::Engine(e.to_string()))?
            })
            .await
    }

    fn run(
        &self,
        module: &Module,
        tree: Option<&Path>,
        input: Vec<u8>,
        caps: Caps,
    ) -> Result<Vec<u8>, BuildError> {
        let engine_error = |e: wasmtime::Error| BuildError::Engine(e.to_string());
        let stdout = MemoryOutputPipe::new(caps.output);
        let stderr = MemoryOutputPipe::new(64 * 1024);
        let mut wasi = WasiCtxBuilder::new();
        // Go's runtime reads its name from the arguments.
        wasi.arg("flux-web-engine")
            .stdin(MemoryInputPipe::new(input))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        if let Some(tree) = tree {
            wasi.preopened_dir(tree, ROOT, FsPerms::ReadOnly)
                .map_err(engine_error)?;
        }
        let guest = Guest {
            wasi: wasi.build_p1(),
            limits: StoreLimitsBuilder::new()
                .memory_size(caps.memory)
                .instances(1)
                .build(),
        };
        let mut store = Store::new(&self.runtime, guest);
        store.limiter(|guest| &mut guest.limits);
        let ticks = caps.time.as_millis() / TICK.as_millis();
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX).max(1));
        let mut linker: Linker<Guest> = Linker::new(&self.runtime);
        p1::add_to_linker_sync(&mut linker, |guest| &mut guest.wasi).map_err(engine_error)?;
        let instance = linker
            .instantiate(&mut store, module)
            .map_err(engine_error)?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(engine_error)?;
        let ended = start.call(&mut store, ());
        let said = String::from_utf8_lossy(&stderr.contents())
            .trim()
            .to_owned();
        let out = stdout.contents();
        let finished = match ended {
            Ok(()) => true,
            // Go's runtime ends a program by exiting, with 0 when all went well.
            Err(e) if matches!(e.downcast_ref::<I32Exit>(), Some(I32Exit(0))) => true,
            Err(e) => return Err(why(e, said, out.len(), &caps)),
        };
        // A full pipe takes no more: a build that filled it is cut, whatever the guest said.
        match finished && out.len() < caps.output {
            true => Ok(out.to_vec()),
            false => Err(BuildError::Output(caps.output / (1024 * 1024))),
        }
    }
}

/// What ended a guest that did not finish well.
fn why(error: wasmtime::Error, said: String, written: usize, caps: &Caps) -> BuildError {
    let mib = |bytes: usize| bytes / (1024 * 1024);
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>()
        && *trap == wasmtime::Trap::Interrupt
    {
        return BuildError::Time(caps.time);
    }
    if written >= caps.output {
        return BuildError::Output(mib(caps.output));
    }
    // Go's runtime says so when its heap cannot grow: the memory cap was met.
    if said.contains("out of memory") {
        return BuildError::Memory(mib(caps.memory));
    }
    match error.downcast_ref::<I32Exit>() {
        Some(I32Exit(1)) if !said.is_empty() => BuildError::Failed(said),
        _ => BuildError::Engine(match said.is_empty() {
            true => error.to_string(),
            false => said.lines().next().unwrap_or_default().to_owned(),
        }),
    }
}

fn compile(runtime: &Runtime) -> Result<Module, BuildError> {
    let mut wasm = Vec::new();
    flate2::read::GzDecoder::new(GUEST)
        .read_to_end(&mut wasm)
        .map_err(|e| BuildError::Engine(format!("the engine's module: {e}")))?;
    let started = std::time::Instant::now();
    let module = Module::new(runtime, &wasm).map_err(|e| BuildError::Engine(e.to_string()))?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f32(),
        bytes = wasm.len(),
        "engine compiled"
    );
    Ok(module)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use serde_json::json;

    use super::*;

    const CAPS: Caps = Caps {
        memory: 512 * 1024 * 1024,
        time: Duration::from_secs(60),
        output: 256 * 1024 * 1024,
        queue: Duration::ZERO,
    };

    /// A tree of `files` (path, text) in a directory of its own.
    fn tree(files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("flux-web-engine-{}", uuid::Uuid::new_v4()));
        for (path, text) in files {
            let at = root.join(path);
            fs::create_dir_all(at.parent().unwrap()).unwrap();
            fs::write(at, text).unwrap();
        }
        root
    }

    fn input(spec: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "kustomization": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": "apps", "namespace": "flux-system"}, "spec": spec},
            "root": ROOT, "strict": true,
        }))
        .unwrap()
    }

    /// The error of a build that should have failed (not its bytes, when it did not).
    fn failure(built: Result<Vec<u8>, BuildError>) -> BuildError {
        match built {
            Ok(yaml) => panic!("the build gave {} bytes instead of failing", yaml.len()),
            Err(e) => e,
        }
    }

    /// One engine, one build at a time (the engine takes two at once): its module is compiled
    /// once for all the cases.
    #[tokio::test]
    async fn the_engine_builds_as_the_controller_and_keeps_to_its_caps() {
        let engine = Engine::new(1).unwrap();
        let plain = tree(&[(
            "app/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: plain\n",
        )]);
        let spec = json!({"path": "./app", "targetNamespace": "team", "namePrefix": "a-"});
        let built = engine
            .build(Some(&plain), input(spec.clone()), CAPS)
            .await
            .unwrap();
        let yaml = String::from_utf8(built).unwrap();
        assert!(
            yaml.contains("name: a-settings") && yaml.contains("namespace: team"),
            "{yaml}"
        );

        // A remote base cannot resolve in the sandbox: the build says so, as a failed build.
        let remote = tree(&[(
            "app/kustomization.yaml",
            "resources:\n- https://github.com/example/repo//base?ref=main\n",
        )]);
        let refused = engine.build(Some(&remote), input(spec.clone()), CAPS).await;
        let refused = failure(refused);
        assert!(matches!(refused, BuildError::Failed(_)), "{refused}");

        // A build that needs more memory than its cap ends there.
        let big = "a".repeat(2 * 1024 * 1024);
        let generators = (0..100)
            .map(|i| format!("- name: big{i}\n  files:\n  - big.txt\n"))
            .collect::<String>();
        let kustomization = format!("configMapGenerator:\n{generators}");
        let hungry = tree(&[
            ("app/kustomization.yaml", &kustomization),
            ("app/big.txt", &big),
        ]);
        let small = Caps {
            memory: 96 * 1024 * 1024,
            ..CAPS
        };
        let refused = engine
            .build(Some(&hungry), input(spec.clone()), small)
            .await;
        let refused = failure(refused);
        assert!(matches!(refused, BuildError::Memory(96)), "{refused}");

        // Its output is capped, and so is its time.
        let narrow = Caps { output: 16, ..CAPS };
        let refused = engine
            .build(Some(&plain), input(spec.clone()), narrow)
            .await;
        let refused = failure(refused);
        assert!(matches!(refused, BuildError::Output(_)), "{refused}");
        let short = Caps {
            time: Duration::from_millis(100),
            ..CAPS
        };
        let refused = engine.build(Some(&plain), input(spec), short).await;
        let refused = failure(refused);
        assert!(matches!(refused, BuildError::Time(_)), "{refused}");

        // The engine is as good as before.
        let spec = json!({"path": "./app"});
        assert!(
            engine
                .build(Some(&plain), input(spec.clone()), CAPS)
                .await
                .is_ok()
        );

        // Its one place taken (the first run holds it from its first poll), a run that may not
        // queue is refused at once, and one that may waits its turn.
        let queued = Caps {
            queue: Duration::from_secs(60),
            ..CAPS
        };
        let (first, refused, waited) = tokio::join!(
            engine.build(Some(&plain), input(spec.clone()), CAPS),
            engine.build(Some(&plain), input(spec.clone()), CAPS),
            engine.build(Some(&plain), input(spec), queued),
        );
        assert!(first.is_ok() && waited.is_ok());
        let refused = failure(refused);
        assert!(matches!(refused, BuildError::Busy(1)), "{refused}");
        for root in [plain, remote, hungry] {
            let _ = fs::remove_dir_all(root);
        }
    }
}
