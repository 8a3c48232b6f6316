//! `cargo bench --bench tui`: how fast the TUI shows its first frame and answers a key, with 10
//! and with 10,000 orgs, and how much memory it holds. The release binary runs in a 100x30
//! pseudo-terminal; a reader thread feeds a vt100 screen and checks it at every frame end (ratatui
//! ends each frame by hiding the cursor). Then `update` + `draw` run in-process on ratatui's
//! `TestBackend`, to tell the render cost from the terminal's. Prints a table; a number over its
//! aim is reported, never a failure.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sfkey::tui::{App, Message};

const ROWS: u16 = 30;
const COLS: u16 = 100;
/// Whole starts timed per org count.
const STARTS: usize = 15;
/// Key presses timed per key and org count.
const PRESSES: usize = 30;
/// In-process iterations per case.
const ITERATIONS: usize = 300;
/// crossterm's `Hide`: ratatui writes it after every frame.
const FRAME_END: &[u8] = b"\x1b[?25l";
/// "Where is the cursor?" (crossterm asks at start-up); the reader answers as a terminal would.
const ASK_CURSOR: &[u8] = b"\x1b[6n";
const TIMEOUT: Duration = Duration::from_secs(10);

const FIRST_FRAME_AIM: Duration = Duration::from_millis(10);
const KEY_AIM: Duration = Duration::from_millis(1);
const MEMORY_AIM_KB: u64 = 30 * 1024;

fn main() -> ExitCode {
    // `cargo test --all-targets` also runs bench targets; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        return ExitCode::SUCCESS;
    }
    let bin = env!("CARGO_BIN_EXE_sfkey");
    let work = tempfile::tempdir().unwrap();
    let mut table = Table::default();
    for n in [10, 10_000] {
        let dir = work.path().join(format!("orgs-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("orgs.toml"), orgs_toml(n)).unwrap();
        in_terminal(bin, &dir, n, &mut table);
        in_process(&dir, n, &mut table);
    }
    table.print();
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------------------------
// The orgs file

fn org_name(i: usize) -> String {
    let kind = ["prod", "test", "domain", "uat", "site"][i % 5];
    // Zero-padded, so the file's order is the name order.
    format!("o{i:05}-{kind}")
}

/// `n` valid orgs of every kind; two in three have a last refresh, some of them failed.
fn orgs_toml(n: usize) -> String {
    let now_ms = sfkey::humanize::now_ms();
    let mut out = String::from("version = 1\n");
    for i in 0..n {
        let (login_url, site) = match i % 5 {
            0 => ("https://login.salesforce.com".to_string(), None),
            1 => ("https://test.salesforce.com".to_string(), None),
            2 => (format!("https://acme{i}.my.salesforce.com"), None),
            3 => (
                format!("https://acme{i}--uat.sandbox.my.salesforce.com"),
                None,
            ),
            _ => (
                format!("https://acme{i}.my.salesforce.com"),
                Some("/partners"),
            ),
        };
        let name = org_name(i);
        writeln!(
            out,
            "\n[[org]]\nid = \"{:016x}\"",
            0x5f00_0000_0000_0000_u64 + i as u64
        )
        .unwrap();
        writeln!(out, "name = \"{name}\"\nlogin_url = \"{login_url}\"").unwrap();
        if let Some(site) = site {
            writeln!(out, "site = \"{site}\"").unwrap();
        }
        writeln!(out, "client_id = \"3MVG9benchmarkclient{i:05}\"").unwrap();
        if i % 2 == 0 {
            writeln!(out, "username = \"admin{i}@acme.com\"").unwrap();
        }
        if i % 3 != 2 {
            let ok = i % 7 != 0;
            let at_ms = now_ms.saturating_sub(i as u64 * 37_000);
            writeln!(out, "\n[org.last_refresh]\nat_ms = {at_ms}").unwrap();
            writeln!(
                out,
                "status = \"{}\"",
                if ok { "ok" } else { "invalid_grant" }
            )
            .unwrap();
            writeln!(out, "http_status = {}", if ok { 200 } else { 400 }).unwrap();
            writeln!(out, "latency_ms = {}", 80 + i % 200).unwrap();
            if ok {
                writeln!(out, "issued_at = \"{at_ms}\"").unwrap();
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The binary in a pseudo-terminal

type Check = Box<dyn Fn(&vt100::Screen) -> bool + Send>;

struct Shared {
    parser: vt100::Parser,
    /// Checked at every frame end until it holds.
    until: Option<Check>,
    /// When the chunk that completed the frame where `until` held was read.
    hit: Option<Instant>,
    closed: bool,
}

type Writer = Arc<Mutex<Box<dyn Write + Send>>>;

struct Pty {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    writer: Writer,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    // Closing the master would hang up the terminal under sfkey.
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Starts sfkey on `dir`; returns it and the time to the first frame where `first` holds.
    fn start(bin: &str, dir: &Path, first: Check) -> (Self, Duration) {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let size = |n: u16| NonZeroU16::new(n).unwrap();
        let shared = Arc::new((
            Mutex::new(Shared {
                parser: vt100::Parser::new(size(ROWS), size(COLS), 0),
                until: Some(first),
                hit: None,
                closed: false,
            }),
            Condvar::new(),
        ));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer: Writer = Arc::new(Mutex::new(pair.master.take_writer().unwrap()));
        let feed = Arc::clone(&shared);
        let answer = Arc::clone(&writer);
        std::thread::spawn(move || read_frames(&mut reader, &feed, &answer));

        let mut cmd = CommandBuilder::new(bin);
        cmd.env("TERM", "xterm-256color");
        cmd.env("SFKEY_CONFIG_DIR", dir);
        // Nothing may reach the user's keyring (the list needs none anyway) or clipboard.
        cmd.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sfkey-bench-bus",
        );
        cmd.env_remove("DISPLAY");
        cmd.env_remove("WAYLAND_DISPLAY");
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let pty = Self {
            shared,
            writer,
            child,
            _master: pair.master,
        };
        let took = pty.wait(started);
        (pty, took)
    }

    /// Waits for the armed check to hold; the time from `since`.
    fn wait(&self, since: Instant) -> Duration {
        let (lock, cvar) = &*self.shared;
        let deadline = Instant::now() + TIMEOUT;
        let mut s = lock.lock().unwrap();
        loop {
            if let Some(hit) = s.hit.take() {
                return hit.saturating_duration_since(since);
            }
            let now = Instant::now();
            if s.closed || now >= deadline {
                panic!(
                    "the expected frame never came ({}); the screen:\n{}",
                    if s.closed { "sfkey exited" } else { "timeout" },
                    s.parser.screen().contents()
                );
            }
            s = cvar.wait_timeout(s, deadline - now).unwrap().0;
        }
    }

    /// Presses `key` and returns the time until a frame where `check` holds.
    fn press(&mut self, key: &str, check: Check) -> Duration {
        {
            let mut s = self.shared.0.lock().unwrap();
            s.until = Some(check);
            s.hit = None;
        }
        let mut writer = self.writer.lock().unwrap();
        let sent = Instant::now();
        writer.write_all(key.as_bytes()).unwrap();
        writer.flush().unwrap();
        drop(writer);
        self.wait(sent)
    }

    /// VmHWM and VmRSS of sfkey, in kB.
    fn memory_kb(&self) -> (u64, u64) {
        let pid = self.child.process_id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// Quits with `q`; kills sfkey if it has not left within 2 s.
    fn quit(mut self) {
        if let Ok(mut writer) = self.writer.lock() {
            let _ = writer.write_all(b"q");
            let _ = writer.flush();
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!("bench: sfkey did not quit on q; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts how much of `pattern` the bytes so far end with.
fn advance(matched: usize, b: u8, pattern: &[u8]) -> usize {
    if b == pattern[matched] {
        matched + 1
    } else if b == pattern[0] {
        1
    } else {
        0
    }
}

/// Feeds the screen, answers cursor-position queries and, at every frame end, checks the armed
/// condition.
fn read_frames(reader: &mut dyn Read, shared: &(Mutex<Shared>, Condvar), writer: &Writer) {
    let (lock, cvar) = shared;
    let mut buf = [0u8; 16 * 1024];
    let mut matched = 0;
    let mut asked = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let read_at = Instant::now();
        let mut guard = lock.lock().unwrap();
        let s = &mut *guard;
        let mut from = 0;
        for (i, &b) in buf[..n].iter().enumerate() {
            asked = advance(asked, b, ASK_CURSOR);
            if asked == ASK_CURSOR.len() {
                asked = 0;
                s.parser.process(&buf[from..=i]);
                from = i + 1;
                let (row, col) = s.parser.screen().cursor_position();
                let mut w = writer.lock().unwrap();
                let _ = write!(w, "\x1b[{};{}R", row + 1, col + 1);
                let _ = w.flush();
            }
            matched = advance(matched, b, FRAME_END);
            if matched < FRAME_END.len() {
                continue;
            }
            matched = 0;
            s.parser.process(&buf[from..=i]);
            from = i + 1;
            if s.until
                .as_ref()
                .is_some_and(|check| check(s.parser.screen()))
            {
                s.until = None;
                s.hit = Some(read_at);
                cvar.notify_all();
            }
        }
        s.parser.process(&buf[from..n]);
    }
    lock.lock().unwrap().closed = true;
    cvar.notify_all();
}

/// The list shows `name` selected.
fn selected(name: String) -> Check {
    let marked = format!("▸{name} ");
    Box::new(move |screen| screen.contents().contains(&marked))
}

/// The org list with the first org selected, and the status line's hints for it.
fn first_frame() -> Check {
    let marked = format!("▸{} ", org_name(0));
    Box::new(move |screen| {
        let status = screen.rows(0, COLS).nth(usize::from(ROWS) - 1);
        let status = status.unwrap_or_default();
        let status = status.trim_end();
        status.contains("r refresh")
            && status.ends_with("q quit")
            && screen.contents().contains(&marked)
    })
}

fn in_terminal(bin: &str, dir: &Path, n: usize, table: &mut Table) {
    // One untimed start warms the page cache.
    Pty::start(bin, dir, first_frame()).0.quit();
    let mut starts = Vec::new();
    for _ in 0..STARTS {
        let (pty, took) = Pty::start(bin, dir, first_frame());
        starts.push(took);
        pty.quit();
    }
    table.time(
        format!("start -> first frame, {n} orgs"),
        starts,
        FIRST_FRAME_AIM,
    );

    let (mut pty, _) = Pty::start(bin, dir, first_frame());
    let after_start = pty.memory_kb();
    let mut down = Vec::new();
    let mut at = 0;
    for _ in 0..PRESSES {
        if at + 1 == n {
            pty.press("g", selected(org_name(0)));
            at = 0;
        }
        at += 1;
        down.push(pty.press("j", selected(org_name(at))));
    }
    let mut last = Vec::new();
    let mut first = Vec::new();
    for _ in 0..PRESSES {
        last.push(pty.press("G", selected(org_name(n - 1))));
        first.push(pty.press("g", selected(org_name(0))));
    }
    let after_keys = pty.memory_kb();
    pty.quit();
    table.time(format!("key j -> frame, {n} orgs"), down, KEY_AIM);
    table.time(format!("key G (last) -> frame, {n} orgs"), last, KEY_AIM);
    table.time(format!("key g (first) -> frame, {n} orgs"), first, KEY_AIM);
    table.memory(format!("memory after first frame, {n} orgs"), after_start);
    table.memory(
        format!("memory after {} keys, {n} orgs", PRESSES * 3),
        after_keys,
    );
}

// ---------------------------------------------------------------------------------------------
// In-process: parsing, update and draw without a terminal

fn key(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn timed(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn in_process(dir: &Path, n: usize, table: &mut Table) {
    let load: Vec<Duration> = (0..20)
        .map(|_| timed(|| drop(sfkey::store::config::load(dir).unwrap())))
        .collect();
    table.part(format!("in-process: load orgs.toml, {n} orgs"), load);

    let orgs = sfkey::store::config::load(dir).unwrap();
    let mut app = App::new(sfkey::humanize::now_ms(), None, 0);
    app.update(Message::OrgsLoaded(Ok(orgs)));
    let mut terminal = Terminal::new(TestBackend::new(COLS, ROWS)).unwrap();
    let mut draw = |app: &App| {
        terminal.draw(|frame| sfkey::tui::draw(frame, app)).unwrap();
    };
    draw(&app);

    let same: Vec<Duration> = (0..ITERATIONS).map(|_| timed(|| draw(&app))).collect();
    table.part(format!("in-process: draw (no change), {n} orgs"), same);

    let mut down = Vec::new();
    for _ in 0..ITERATIONS {
        if app.orgs.selected + 1 == n {
            app.update(key(KeyCode::Char('g')));
            draw(&app);
        }
        down.push(timed(|| {
            app.update(key(KeyCode::Char('j')));
            draw(&app);
        }));
    }
    table.part(format!("in-process: update j + draw, {n} orgs"), down);

    let mut last = Vec::new();
    for _ in 0..ITERATIONS {
        app.update(key(KeyCode::Char('g')));
        draw(&app);
        last.push(timed(|| {
            app.update(key(KeyCode::Char('G')));
            draw(&app);
        }));
    }
    table.part(format!("in-process: update G + draw, {n} orgs"), last);
}

// ---------------------------------------------------------------------------------------------
// The report

#[derive(Default)]
struct Table {
    rows: Vec<[String; 5]>,
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// Median and 90th percentile.
fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p90 = samples[(samples.len() * 9).div_ceil(10) - 1];
    (median, p90)
}

impl Table {
    /// A timing with an aim; the verdict goes by the p90.
    fn time(&mut self, case: String, samples: Vec<Duration>, aim: Duration) {
        let (median, p90) = stats(samples);
        let verdict = if p90 < aim { "PASS" } else { "over" };
        self.rows.push([
            case,
            ms(median),
            ms(p90),
            format!("< {}", ms(aim)),
            verdict.into(),
        ]);
    }

    /// A timing that is part of another (no aim of its own).
    fn part(&mut self, case: String, samples: Vec<Duration>) {
        let (median, p90) = stats(samples);
        self.rows
            .push([case, ms(median), ms(p90), "(part)".into(), String::new()]);
    }

    /// Peak (VmHWM) and current (VmRSS) resident memory; the verdict goes by the peak.
    fn memory(&mut self, case: String, (hwm_kb, rss_kb): (u64, u64)) {
        let verdict = if hwm_kb < MEMORY_AIM_KB {
            "PASS"
        } else {
            "over"
        };
        self.rows.push([
            case,
            format!("RSS {}", mb(rss_kb)),
            format!("peak {}", mb(hwm_kb)),
            format!("< {}", mb(MEMORY_AIM_KB)),
            verdict.into(),
        ]);
    }

    fn print(&self) {
        let header = ["case", "median", "p90", "aim", ""];
        let mut widths = header.map(str::len);
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        println!(
            "sfkey TUI, {COLS}x{ROWS} pseudo-terminal, release build; {STARTS} starts, {PRESSES} presses per key, {ITERATIONS} in-process iterations (verdict by p90; memory by peak)"
        );
        for row in std::iter::once(header.map(String::from)).chain(self.rows.iter().cloned()) {
            let line: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    if i == 0 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            println!("{}", line.join("  ").trim_end());
        }
    }
}
