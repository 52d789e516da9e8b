//! `--in-process-cpus`: a CPU list in the kernel's format (`0`, `0-1,3`: what `taskset -c`,
//! `/sys/devices/system/cpu/online` and `Cpus_allowed_list` of `/proc/PID/status` write), and
//! the pinning of the in-process threads to it (`core_affinity`: one CPU per thread).

/// The largest CPU number a Linux CPU set holds (`CPU_SETSIZE` is 1024); a larger one cannot
/// be pinned (and `core_affinity` would index out of its set).
pub(crate) const MAX_CPU: usize = 1023;

/// Why a CPU list is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum CpuListError {
    /// Nothing given, or an empty item (`0,,1`, a trailing comma).
    Empty,
    /// An item that is not a CPU number or a range `A-B` of them.
    NotANumber(String),
    /// A range whose end is below its start (`3-1`).
    Reversed {
        /// The start of the range.
        first: usize,
        /// The end of the range.
        last: usize,
    },
    /// A CPU number above [`MAX_CPU`].
    TooLarge(usize),
    /// A CPU named twice (`0,0`, `0-2,1`).
    Repeated(usize),
}

impl core::fmt::Display for CpuListError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CpuListError::Empty => f.write_str("an empty CPU list or list item"),
            CpuListError::NotANumber(item) => {
                write!(f, "`{item}` is neither a CPU number nor a range A-B")
            }
            CpuListError::Reversed { first, last } => {
                write!(f, "the range {first}-{last} ends below its start")
            }
            CpuListError::TooLarge(n) => write!(f, "CPU {n} is above the largest, {MAX_CPU}"),
            CpuListError::Repeated(n) => write!(f, "CPU {n} is named twice"),
        }
    }
}

impl std::error::Error for CpuListError {}

/// A list of CPU numbers, in the order given, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CpuList(Vec<usize>);

impl CpuList {
    /// The CPUs, in the order given.
    pub(crate) fn cpus(&self) -> &[usize] {
        &self.0
    }

    /// The CPU of thread `i`: the list dealt round-robin.
    pub(crate) fn for_thread(&self, i: usize) -> Option<usize> {
        match self.0.len() {
            0 => None,
            n => self.0.get(i % n).copied(),
        }
    }
}

impl core::fmt::Display for CpuList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut first = true;
        for c in &self.0 {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

fn cpu_number(text: &str) -> Result<usize, CpuListError> {
    // Digits only: `+1`, ` 1` and `-1` are refused (`usize::from_str` takes a `+`).
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CpuListError::NotANumber(String::from(text)));
    }
    let n: usize = text
        .parse()
        .map_err(|_| CpuListError::TooLarge(usize::MAX))?;
    if n > MAX_CPU {
        return Err(CpuListError::TooLarge(n));
    }
    Ok(n)
}

/// Parses `0`, `0-1,3`, …: comma-separated CPU numbers and inclusive ranges, no spaces.
pub(crate) fn parse_cpu_list(text: &str) -> Result<CpuList, CpuListError> {
    let mut cpus: Vec<usize> = Vec::new();
    for item in text.split(',') {
        if item.is_empty() {
            return Err(CpuListError::Empty);
        }
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => {
                // `-1`, `1-` and `1-2-3` are not ranges: the whole item is named.
                let whole = |e| match e {
                    CpuListError::NotANumber(_) => CpuListError::NotANumber(String::from(item)),
                    other => other,
                };
                let first = cpu_number(a).map_err(whole)?;
                let last = cpu_number(b).map_err(whole)?;
                if last < first {
                    return Err(CpuListError::Reversed { first, last });
                }
                (first, last)
            }
            None => {
                let n = cpu_number(item)?;
                (n, n)
            }
        };
        for c in first..=last {
            if cpus.contains(&c) {
                return Err(CpuListError::Repeated(c));
            }
            cpus.push(c);
        }
    }
    Ok(CpuList(cpus))
}

/// Pins the calling thread to `cpu`.
pub(crate) fn pin_current(cpu: usize) -> Result<(), String> {
    if core_affinity::set_for_current(core_affinity::CoreId { id: cpu }) {
        Ok(())
    } else {
        Err(format!(
            "cannot pin a thread to CPU {cpu} (not online, or not allowed to this process's cgroup)"
        ))
    }
}

/// Checks that a thread can be pinned to every CPU of `list` (on a scratch thread, so that
/// the caller's own affinity stays as it is).
pub(crate) fn check_pinnable(list: &CpuList) -> Result<(), String> {
    let cpus = list.cpus().to_vec();
    std::thread::spawn(move || cpus.iter().try_for_each(|c| pin_current(*c)))
        .join()
        .unwrap_or_else(|_| Err(String::from("the pinning check panicked")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lists_and_ranges_parse_in_order() {
        assert_eq!(parse_cpu_list("0").unwrap().cpus(), &[0]);
        assert_eq!(parse_cpu_list("0-1,3").unwrap().cpus(), &[0, 1, 3]);
        assert_eq!(parse_cpu_list("3,1").unwrap().cpus(), &[3, 1]);
        assert_eq!(parse_cpu_list("2-2").unwrap().cpus(), &[2]);
        assert_eq!(parse_cpu_list("1023").unwrap().cpus(), &[1023]);
        assert_eq!(parse_cpu_list("0-1,3").unwrap().to_string(), "0,1,3");
    }

    #[test]
    fn empty_lists_and_items_are_refused() {
        assert_eq!(parse_cpu_list(""), Err(CpuListError::Empty));
        assert_eq!(parse_cpu_list("0,,1"), Err(CpuListError::Empty));
        assert_eq!(parse_cpu_list("0,"), Err(CpuListError::Empty));
        assert_eq!(parse_cpu_list(",0"), Err(CpuListError::Empty));
    }

    #[test]
    fn non_numbers_are_refused() {
        for bad in ["a", " 0", "0 ", "+1", "0x1", "1.0"] {
            assert_eq!(
                parse_cpu_list(bad),
                Err(CpuListError::NotANumber(String::from(bad))),
                "{bad}"
            );
        }
        for bad in ["-1", "1-", "-", "1-2-3", "a-1"] {
            assert_eq!(
                parse_cpu_list(bad),
                Err(CpuListError::NotANumber(String::from(bad))),
                "{bad}"
            );
        }
    }

    #[test]
    fn reversed_ranges_are_refused() {
        assert_eq!(
            parse_cpu_list("0,3-1"),
            Err(CpuListError::Reversed { first: 3, last: 1 })
        );
    }

    #[test]
    fn cpus_above_the_set_size_are_refused() {
        assert_eq!(parse_cpu_list("1024"), Err(CpuListError::TooLarge(1024)));
        assert_eq!(
            parse_cpu_list("99999999999999999999999"),
            Err(CpuListError::TooLarge(usize::MAX))
        );
        assert_eq!(
            parse_cpu_list("1000-1024"),
            Err(CpuListError::TooLarge(1024))
        );
    }

    #[test]
    fn repeated_cpus_are_refused() {
        assert_eq!(parse_cpu_list("0,0"), Err(CpuListError::Repeated(0)));
        assert_eq!(parse_cpu_list("0-2,1"), Err(CpuListError::Repeated(1)));
        assert_eq!(parse_cpu_list("1,0-3"), Err(CpuListError::Repeated(1)));
    }

    #[test]
    fn threads_are_dealt_round_robin() {
        let l = parse_cpu_list("0-1,3").unwrap();
        let dealt: Vec<_> = (0..5).map(|i| l.for_thread(i).unwrap()).collect();
        assert_eq!(dealt, [0, 1, 3, 0, 1]);
        assert_eq!(CpuList(Vec::new()).for_thread(0), None);
    }

    #[test]
    fn pinning_to_an_allowed_cpu_works_and_to_a_missing_one_fails() {
        // The CPUs this test may run on (Linux; elsewhere there is nothing to check).
        let Some(ids) = core_affinity::get_core_ids() else {
            return;
        };
        let Some(first) = ids.first() else {
            return;
        };
        let ok = CpuList(vec![first.id]);
        assert_eq!(check_pinnable(&ok), Ok(()));
        // CPU 1023 exists on no machine this runs on.
        let missing = CpuList(vec![MAX_CPU]);
        assert!(check_pinnable(&missing).unwrap_err().contains("CPU 1023"));
    }
}
