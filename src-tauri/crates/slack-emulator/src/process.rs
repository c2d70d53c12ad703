//! Running the emulator binary as a separate process, for benchmarks that must measure the
//! client's memory apart from the emulator's: start it, read the base URL from its first line,
//! and read a process's peak resident memory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// An emulator process; killed when dropped.
#[derive(Debug)]
pub struct EmulatorProcess {
    pub child: Child,
    /// e.g. `http://127.0.0.1:41234`
    pub base_url: String,
}

impl EmulatorProcess {
    /// Starts `binary` with `args` and waits for its `listening URL` line.
    pub fn start(binary: &Path, args: &[&str]) -> std::io::Result<EmulatorProcess> {
        let mut child = Command::new(binary)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        BufReader::new(stdout).read_line(&mut line)?;
        let base_url = line
            .trim()
            .strip_prefix("listening ")
            .ok_or_else(|| std::io::Error::other(format!("unexpected first line {line:?}")))?
            .to_owned();
        Ok(EmulatorProcess { child, base_url })
    }

    /// Peak resident memory of the emulator so far, in MiB.
    pub fn peak_mib(&self) -> f64 {
        peak_mib(&self.child.id().to_string())
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Peak resident memory (VmHWM) of process `pid` (`self` for this one), in MiB; NaN where
/// `/proc` does not tell.
pub fn peak_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// The release emulator binary beside a bench executable (`target/release/deps/NAME-HASH` →
/// `target/release/slack-emulator`), or `SLACK_EMULATOR_BIN`.
pub fn binary_beside_current_exe() -> PathBuf {
    if let Ok(path) = std::env::var("SLACK_EMULATOR_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("slack-emulator"))
        .unwrap_or_default()
}

/// CPU time (user + system) process `pid` (`self` for this one) has used so far, in seconds;
/// NaN where `/proc` does not tell. Benchmarks report where the time of a run went.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

impl EmulatorProcess {
    /// CPU seconds the emulator has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(&self.child.id().to_string())
    }
}
