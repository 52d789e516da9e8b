//! CPU time from Linux `/proc`: `utime + stime` of `/proc/PID/stat` (the whole process: every
//! thread, those that ended included), in clock ticks.
//!
//! The clock tick (`USER_HZ`, `sysconf(_SC_CLK_TCK)`) is read, not assumed: from the
//! `AT_CLKTCK` entry the kernel puts in the process's auxiliary vector (`/proc/self/auxv`),
//! else from `getconf CLK_TCK`. Without either, or without `/proc`, the CPU figures are
//! unavailable and the report says so.

use std::path::PathBuf;

use serde::Serialize;

/// `AT_CLKTCK` (`<linux/auxvec.h>`): the frequency of `times()`, which `/proc/PID/stat` counts in.
const AT_CLKTCK: usize = 17;
/// `AT_NULL`: the end of the auxiliary vector.
const AT_NULL: usize = 0;
/// The width of an auxiliary vector word (`unsigned long`: the pointer width on Linux).
const WORD: usize = core::mem::size_of::<usize>();

/// Why a CPU figure cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum ProcError {
    /// A `/proc` file cannot be read (no `/proc`: not Linux; no such process).
    Read {
        /// The file.
        path: PathBuf,
        /// What reading it said.
        kind: std::io::ErrorKind,
    },
    /// A `/proc/PID/stat` line not in the kernel's format.
    MalformedStat(&'static str),
    /// The clock tick could be read from neither `/proc/self/auxv` nor `getconf CLK_TCK`.
    NoClockTick(String),
}

impl core::fmt::Display for ProcError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ProcError::Read { path, kind } => write!(f, "{}: {kind}", path.display()),
            ProcError::MalformedStat(what) => write!(f, "a /proc stat line without {what}"),
            ProcError::NoClockTick(why) => write!(f, "the clock tick is unknown: {why}"),
        }
    }
}

impl std::error::Error for ProcError {}

/// What `/proc/PID/stat` says of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcStat {
    /// The command name (`comm`, up to 15 bytes; may hold spaces and parentheses).
    pub(crate) comm: String,
    /// `utime + stime`: CPU time of every thread, in clock ticks.
    pub(crate) cpu_ticks: u64,
    /// `num_threads`: the threads alive now.
    pub(crate) threads: u64,
}

/// Parses one `/proc/PID/stat` line (`proc(5)`): `pid (comm) state ppid … utime stime …`.
/// `comm` may hold spaces and `)`: it ends at the **last** `)` of the line.
pub(crate) fn parse_stat(line: &str) -> Result<ProcStat, ProcError> {
    let open = line
        .find('(')
        .ok_or(ProcError::MalformedStat("`(` before the command name"))?;
    let close = line
        .rfind(')')
        .ok_or(ProcError::MalformedStat("`)` after the command name"))?;
    let pid = line
        .get(..open)
        .map(str::trim)
        .ok_or(ProcError::MalformedStat("a process id"))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProcError::MalformedStat("a process id"));
    }
    let comm = line
        .get(open + 1..close)
        .ok_or(ProcError::MalformedStat("a command name"))?;
    let rest = line
        .get(close + 1..)
        .ok_or(ProcError::MalformedStat("fields after the command name"))?;
    // Field 3 (state) is index 0 here: utime is field 14, stime 15, num_threads 20.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let number = |i: usize, what: &'static str| -> Result<u64, ProcError> {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .ok_or(ProcError::MalformedStat(what))
    };
    let utime = number(11, "utime (field 14)")?;
    let stime = number(12, "stime (field 15)")?;
    let threads = number(17, "num_threads (field 20)")?;
    Ok(ProcStat {
        comm: String::from(comm),
        cpu_ticks: utime.saturating_add(stime),
        threads,
    })
}

/// `AT_CLKTCK` from the bytes of `/proc/self/auxv`: (type, value) pairs of native words up to
/// `AT_NULL`.
pub(crate) fn clock_tick_from_auxv(auxv: &[u8]) -> Result<u64, ProcError> {
    for pair in auxv.chunks_exact(2 * WORD) {
        let (key, value) = pair
            .split_at_checked(WORD)
            .ok_or_else(|| ProcError::NoClockTick(String::from("a short auxv entry")))?;
        let word = |b: &[u8]| {
            <[u8; WORD]>::try_from(b)
                .map(usize::from_ne_bytes)
                .map_err(|_| ProcError::NoClockTick(String::from("a short auxv entry")))
        };
        match word(key)? {
            AT_NULL => break,
            AT_CLKTCK => {
                let hz = u64::try_from(word(value)?)
                    .map_err(|_| ProcError::NoClockTick(String::from("AT_CLKTCK too large")))?;
                if hz == 0 {
                    return Err(ProcError::NoClockTick(String::from("AT_CLKTCK is 0")));
                }
                return Ok(hz);
            }
            _ => {}
        }
    }
    Err(ProcError::NoClockTick(String::from(
        "no AT_CLKTCK in the auxiliary vector",
    )))
}

/// The output of `getconf CLK_TCK`: one positive number.
pub(crate) fn clock_tick_from_getconf(out: &str) -> Result<u64, ProcError> {
    match out.trim().parse::<u64>() {
        Ok(hz) if hz > 0 => Ok(hz),
        _ => Err(ProcError::NoClockTick(format!(
            "getconf CLK_TCK printed {:?}",
            out.trim()
        ))),
    }
}

/// The `Cpus_allowed_list` of a `/proc/PID/status` text (`0-1`): where the process may run.
pub(crate) fn allowed_cpus(status: &str) -> Option<String> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|v| String::from(v.trim()))
        .filter(|v| !v.is_empty())
}

/// The clock tick per second, and where it was read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClockTick {
    /// Ticks per second.
    pub(crate) hz: u64,
    /// `/proc/self/auxv` or `getconf CLK_TCK`.
    pub(crate) source: &'static str,
}

fn read_to_string(path: PathBuf) -> Result<String, ProcError> {
    std::fs::read_to_string(&path).map_err(|e| ProcError::Read {
        path,
        kind: e.kind(),
    })
}

fn clock_tick() -> Result<ClockTick, ProcError> {
    let auxv_error = match std::fs::read("/proc/self/auxv") {
        Ok(bytes) => match clock_tick_from_auxv(&bytes) {
            Ok(hz) => {
                return Ok(ClockTick {
                    hz,
                    source: "/proc/self/auxv AT_CLKTCK",
                });
            }
            Err(e) => e.to_string(),
        },
        Err(e) => format!("/proc/self/auxv: {}", e.kind()),
    };
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .map_err(|e| ProcError::NoClockTick(format!("{auxv_error}; getconf: {}", e.kind())))?;
    if !out.status.success() {
        return Err(ProcError::NoClockTick(format!(
            "{auxv_error}; getconf CLK_TCK: {}",
            out.status
        )));
    }
    clock_tick_from_getconf(&String::from_utf8_lossy(&out.stdout)).map(|hz| ClockTick {
        hz,
        source: "getconf CLK_TCK",
    })
}

/// `/proc/PID/stat` of the process `pid`, or of this one.
pub(crate) fn stat_of(pid: Option<u32>) -> Result<ProcStat, ProcError> {
    let path = match pid {
        Some(p) => PathBuf::from(format!("/proc/{p}/stat")),
        None => PathBuf::from("/proc/self/stat"),
    };
    parse_stat(&read_to_string(path)?)
}

/// `Cpus_allowed_list` of the process `pid`, or of this one.
pub(crate) fn allowed_cpus_of(pid: Option<u32>) -> Option<String> {
    let path = match pid {
        Some(p) => PathBuf::from(format!("/proc/{p}/status")),
        None => PathBuf::from("/proc/self/status"),
    };
    allowed_cpus(&read_to_string(path).ok()?)
}

/// Reads this process's CPU time and, with `--server-pid`, the server's.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    /// The clock tick.
    pub(crate) clock: ClockTick,
    /// The server's process id.
    pub(crate) server: Option<u32>,
}

/// CPU times at one moment, in clock ticks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// This process (the load generator).
    pub(crate) own: u64,
    /// This process's threads alive.
    pub(crate) own_threads: u64,
    /// The server (`None`: not asked, or it has gone).
    pub(crate) server: Option<u64>,
}

impl Meter {
    /// A meter of this process, and of `server` when given. `Err` when this process's own CPU
    /// time or the clock tick cannot be read (no `/proc`: the figures are unavailable);
    /// [`Meter::server_comm`] checks the server's id.
    pub(crate) fn new(server: Option<u32>) -> Result<Meter, ProcError> {
        stat_of(None)?;
        let clock = clock_tick()?;
        Ok(Meter { clock, server })
    }

    /// The server's command name (`uaf-server`), read now.
    pub(crate) fn server_comm(&self) -> Option<Result<String, ProcError>> {
        self.server.map(|p| stat_of(Some(p)).map(|s| s.comm))
    }

    /// The CPU times now (`None` when this process's own cannot be read any more).
    pub(crate) fn read(&self) -> Option<Reading> {
        let server = self
            .server
            .and_then(|p| stat_of(Some(p)).ok())
            .map(|s| s.cpu_ticks);
        Some(Reading {
            server,
            ..self.read_own()?
        })
    }

    /// This process's CPU time now, without the server's.
    pub(crate) fn read_own(&self) -> Option<Reading> {
        let own = stat_of(None).ok()?;
        Some(Reading {
            own: own.cpu_ticks,
            own_threads: own.threads,
            server: None,
        })
    }

    /// `ticks` in milliseconds.
    pub(crate) fn ms(&self, ticks: u64) -> f64 {
        // Tick counts and rates stay far below 2^52: exact as f64.
        #[allow(clippy::as_conversions, clippy::cast_precision_loss)]
        let (t, hz) = (ticks as f64, self.clock.hz as f64);
        t * 1000.0 / hz
    }
}

/// The CPU figures of one phase (`--json`: the phase's `cpu`). Milliseconds of CPU time;
/// "cores" is CPU time ÷ wall time.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PhaseCpu {
    /// The operation counted (`auth`, `signin`, `finish_authentication`).
    pub(crate) operation: &'static str,
    /// Operations completed.
    pub(crate) operations: usize,
    /// HTTP calls completed (0 in-process).
    pub(crate) http_calls: usize,
    /// uaf-load's own CPU during the phase.
    pub(crate) load_ms: f64,
    /// uaf-load's own CPU per operation.
    pub(crate) load_ms_per_op: Option<f64>,
    /// uaf-load's own cores busy on average.
    pub(crate) load_cores: f64,
    /// The server's CPU during the phase (`None`: no `--server-pid`, or in-process).
    pub(crate) server_ms: Option<f64>,
    /// The server's CPU per operation.
    pub(crate) server_ms_per_op: Option<f64>,
    /// The server's CPU per HTTP call.
    pub(crate) server_ms_per_call: Option<f64>,
    /// The server's cores busy on average.
    pub(crate) server_cores: Option<f64>,
}

impl PhaseCpu {
    /// The figures of a phase of `secs` seconds between readings `start` and `end`.
    pub(crate) fn new(
        meter: &Meter,
        (start, end): (Reading, Reading),
        operation: &'static str,
        (operations, http_calls): (usize, usize),
        secs: f64,
    ) -> PhaseCpu {
        let per = |ms: f64, n: usize| {
            // Counts far below 2^52: exact as f64.
            #[allow(clippy::as_conversions, clippy::cast_precision_loss)]
            let n = n as f64;
            (n > 0.0).then(|| ms / n)
        };
        let cores = |ms: f64| if secs > 0.0 { ms / 1000.0 / secs } else { 0.0 };
        let load_ms = meter.ms(end.own.saturating_sub(start.own));
        let server_ms = match (start.server, end.server) {
            (Some(a), Some(b)) => Some(meter.ms(b.saturating_sub(a))),
            _ => None,
        };
        PhaseCpu {
            operation,
            operations,
            http_calls,
            load_ms,
            load_ms_per_op: per(load_ms, operations),
            load_cores: cores(load_ms),
            server_ms,
            server_ms_per_op: server_ms.and_then(|ms| per(ms, operations)),
            server_ms_per_call: server_ms.and_then(|ms| per(ms, http_calls)),
            server_cores: server_ms.map(cores),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::float_cmp)]
    use super::*;

    /// A real line of `/proc/PID/stat` (Linux 6.x, 52 fields), its `comm` replaced.
    fn line(comm: &str) -> String {
        format!(
            "4242 ({comm}) S 1 4242 4242 0 -1 4194560 12939 0 0 0 1234 567 0 0 20 0 7 0 \
             3566 1159266304 5349 18446744073709551615 1 1 0 0 0 0 0 4096 17987 0 0 0 17 1 0 \
             0 0 0 0 0 0 0 0 0 0 0 0\n"
        )
    }

    #[test]
    fn stat_gives_utime_plus_stime_and_threads() {
        let s = parse_stat(&line("uaf-server")).unwrap();
        assert_eq!(s.comm, "uaf-server");
        assert_eq!(s.cpu_ticks, 1234 + 567);
        assert_eq!(s.threads, 7);
    }

    #[test]
    fn a_command_name_with_spaces_and_parentheses_is_skipped_whole() {
        // A process may name itself anything (prctl PR_SET_NAME): `) S 1 2 3 (` must not
        // shift the fields.
        for comm in [
            "a b",
            "x) S 9 9 (y",
            "((",
            "))",
            ") 1 2 3 4 5 6 7 8 9 10 11 12 13 (",
        ] {
            let s = parse_stat(&line(comm)).unwrap();
            assert_eq!(s.comm, comm);
            assert_eq!(s.cpu_ticks, 1801, "{comm}");
            assert_eq!(s.threads, 7, "{comm}");
        }
    }

    #[test]
    fn malformed_stat_lines_are_refused() {
        assert_eq!(
            parse_stat("4242 uaf-server S 1"),
            Err(ProcError::MalformedStat("`(` before the command name"))
        );
        assert_eq!(
            parse_stat("4242 (uaf-server S 1"),
            Err(ProcError::MalformedStat("`)` after the command name"))
        );
        assert_eq!(
            parse_stat("(uaf-server) S 1"),
            Err(ProcError::MalformedStat("a process id"))
        );
        assert_eq!(
            parse_stat("x1 (uaf-server) S 1"),
            Err(ProcError::MalformedStat("a process id"))
        );
        // Cut before stime.
        assert_eq!(
            parse_stat("4242 (a) S 1 4242 4242 0 -1 4194560 12939 0 0 0 1234"),
            Err(ProcError::MalformedStat("stime (field 15)"))
        );
        // A negative utime.
        let bad = line("a").replace(" 1234 567 ", " -1 567 ");
        assert_eq!(
            parse_stat(&bad),
            Err(ProcError::MalformedStat("utime (field 14)"))
        );
        // Cut before num_threads.
        assert_eq!(
            parse_stat("4242 (a) S 1 4242 4242 0 -1 4194560 12939 0 0 0 1234 567 0 0 20 0"),
            Err(ProcError::MalformedStat("num_threads (field 20)"))
        );
    }

    #[test]
    fn phase_figures_divide_by_operations_and_calls() {
        let m = Meter {
            clock: ClockTick {
                hz: 100,
                source: "test",
            },
            server: Some(1),
        };
        let at = |own, server| Reading {
            own,
            own_threads: 1,
            server,
        };
        // 2 s; uaf-load 150 ticks (1.5 s), the server 100 ticks (1 s); 1 000 auths of 2 calls.
        let c = PhaseCpu::new(
            &m,
            (at(50, Some(400)), at(200, Some(500))),
            "auth",
            (1000, 2000),
            2.0,
        );
        assert_eq!(c.load_ms, 1500.0);
        assert_eq!(c.load_ms_per_op, Some(1.5));
        assert_eq!(c.load_cores, 0.75);
        assert_eq!(c.server_ms, Some(1000.0));
        assert_eq!(c.server_ms_per_op, Some(1.0));
        assert_eq!(c.server_ms_per_call, Some(0.5));
        assert_eq!(c.server_cores, Some(0.5));
        // No server reading at either end, no operations: nothing divided, nothing guessed.
        let c = PhaseCpu::new(&m, (at(0, None), at(10, Some(5))), "auth", (0, 0), 0.0);
        assert_eq!(c.load_ms, 100.0);
        assert_eq!(c.load_ms_per_op, None);
        assert_eq!(c.load_cores, 0.0);
        assert_eq!(c.server_ms, None);
        assert_eq!(c.server_ms_per_op, None);
        assert_eq!(c.server_ms_per_call, None);
        assert_eq!(c.server_cores, None);
    }

    fn auxv(pairs: &[(usize, usize)]) -> Vec<u8> {
        pairs
            .iter()
            .flat_map(|(k, v)| k.to_ne_bytes().into_iter().chain(v.to_ne_bytes()))
            .collect()
    }

    #[test]
    fn the_clock_tick_is_read_from_the_auxiliary_vector() {
        // AT_PAGESZ (6), AT_CLKTCK, AT_NULL.
        assert_eq!(
            clock_tick_from_auxv(&auxv(&[(6, 4096), (17, 100), (0, 0)])),
            Ok(100)
        );
        assert_eq!(clock_tick_from_auxv(&auxv(&[(17, 1000)])), Ok(1000));
    }

    #[test]
    fn a_missing_or_zero_clock_tick_is_refused() {
        let none = Err(ProcError::NoClockTick(String::from(
            "no AT_CLKTCK in the auxiliary vector",
        )));
        assert_eq!(clock_tick_from_auxv(&auxv(&[(6, 4096), (0, 0)])), none);
        // After AT_NULL nothing counts.
        assert_eq!(
            clock_tick_from_auxv(&auxv(&[(6, 4096), (0, 0), (17, 100)])),
            none
        );
        assert_eq!(clock_tick_from_auxv(&[]), none);
        // A truncated entry is not read.
        let mut cut = auxv(&[(17, 100)]);
        cut.pop();
        assert_eq!(clock_tick_from_auxv(&cut), none);
        assert_eq!(
            clock_tick_from_auxv(&auxv(&[(17, 0)])),
            Err(ProcError::NoClockTick(String::from("AT_CLKTCK is 0")))
        );
    }

    #[test]
    fn getconf_output_is_one_positive_number() {
        assert_eq!(clock_tick_from_getconf("100\n"), Ok(100));
        for bad in ["", "0", "-100", "100 Hz", "undefined"] {
            assert!(
                matches!(clock_tick_from_getconf(bad), Err(ProcError::NoClockTick(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn allowed_cpus_is_read_from_status() {
        let status =
            "Name:\tuaf-server\nCpus_allowed:\t1\nCpus_allowed_list:\t0-1,3\nMems_allowed:\t1\n";
        assert_eq!(allowed_cpus(status).as_deref(), Some("0-1,3"));
        assert_eq!(allowed_cpus("Name:\tx\nCpus_allowed:\t1\n"), None);
        assert_eq!(allowed_cpus("Cpus_allowed_list:\t\n"), None);
    }

    /// On Linux, this process's own figures are there and the tick agrees with `getconf`.
    #[test]
    fn this_process_can_be_metered_on_linux() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        let m = Meter::new(None).unwrap();
        assert!(m.clock.hz > 0);
        let r = m.read().unwrap();
        assert!(r.own_threads >= 1);
        assert!(r.server.is_none());
        if let Ok(out) = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
        {
            let hz = clock_tick_from_getconf(&String::from_utf8_lossy(&out.stdout)).unwrap();
            assert_eq!(m.clock.hz, hz);
        }
        assert_eq!(m.ms(m.clock.hz), 1000.0);
        // A process that does not exist cannot be metered.
        let gone = Meter {
            clock: m.clock,
            server: Some(u32::MAX),
        };
        assert!(matches!(
            gone.server_comm(),
            Some(Err(ProcError::Read { .. }))
        ));
        assert!(gone.read().unwrap().server.is_none());
    }
}
