//! The real `flux-web` binary as a child process, for tests of start-up, probes and shutdown.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `flux-web` with `args`, on a free loopback port unless they name one.
    pub fn start(args: &[&str]) -> Self {
        // The tests talk to it with reqwest, which needs the process's TLS provider.
        flux_web::tls::init();
        let listen = match args.iter().position(|a| *a == "--listen") {
            Some(i) => args[i + 1].to_owned(),
            None => format!("127.0.0.1:{}", free_port()),
        };
        let log = PathBuf::from(write_temp("flux-web.log", ""));
        let stderr = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_flux-web"));
        if !args.contains(&"--listen") {
            command.args(["--listen", &listen]);
        }
        let child = command
            .args(args)
            .env_remove("KUBECONFIG")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        Self {
            child,
            base: format!("http://{listen}"),
            log,
        }
    }

    /// GETs `path` until it answers `status`, for at most `timeout`; returns the body.
    pub async fn wait_for(
        &mut self,
        path: &str,
        status: u16,
        timeout: Duration,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last = String::from("no answer");
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!(
                    "flux-web exited with {exit} while waiting for {path}:\n{}",
                    self.log()
                );
            }
            match reqwest::get(format!("{}{path}", self.base)).await {
                Ok(response) if response.status().as_u16() == status => {
                    return response.json().await.unwrap();
                }
                Ok(response) => last = format!("status {}", response.status()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{path} did not answer {status} within {timeout:?} ({last}):\n{}",
            self.log()
        );
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.wait(Duration::from_secs(10))
    }

    /// Kills the process outright (SIGKILL), as a crash or an OOM kill would.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "flux-web still running:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `contents` to a fresh file and returns its path, for configs, kubeconfigs and logs.
pub fn write_temp(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!(
        "flux-web-test-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}
