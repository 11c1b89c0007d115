//! Timing helpers shared by the benches: every call timed on its own on the wall clock
//! and on the thread's CPU clock, so the percentiles are real.

use std::time::{Duration, Instant};

/// CPU time this thread has used: unlike the wall clock, it does not count the time the
/// thread waited while other processes ran.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Times `runs` calls of `f` (after a tenth as many warm-up calls) and prints the p50, p99
/// and maximum on both clocks.
pub fn percentiles(name: &str, runs: usize, mut f: impl FnMut()) {
    for _ in 0..runs / 10 {
        f();
    }
    let mut wall: Vec<Duration> = Vec::with_capacity(runs);
    let mut cpu: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (w, c) = (Instant::now(), thread_cpu());
        f();
        cpu.push(thread_cpu() - c);
        wall.push(w.elapsed());
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    for (clock, t) in [("wall", &mut wall), ("cpu", &mut cpu)] {
        t.sort();
        let at = |q: f64| t[((runs as f64 * q) as usize).min(runs - 1)];
        println!(
            "{name:<20} {clock:<4} n={runs}  p50 {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
            us(at(0.50)),
            us(at(0.99)),
            us(t[runs - 1]),
        );
    }
}
