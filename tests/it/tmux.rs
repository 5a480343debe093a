//! The real binary in a real terminal (tmux): search, follow a link, go back, quit,
//! reading the screen after each step.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::fixtures;

struct Tmux {
    session: String,
}

impl Tmux {
    /// Each test has its own tmux server (`-L`): a shared one exits when the last session
    /// ends, racing with a test that is starting one.
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.session])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Waits until the screen shows `needle` (the app redraws asynchronously).
    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |screen| screen.contains(needle))
    }

    fn wait_gone(&self, needle: &str) -> String {
        self.wait_until(&format!("no {needle:?}"), |screen| !screen.contains(needle))
    }

    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("screen never showed {what}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.session, "has-session", "-t", &self.session])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.session, "kill-server"])
            .stderr(std::process::Stdio::null())
            .status();
        // The server leaves its socket behind: one file per test run otherwise.
        use std::os::unix::fs::MetadataExt;
        if let Ok(me) = std::fs::metadata("/proc/self") {
            let dir = std::env::var("TMUX_TMPDIR").unwrap_or_else(|_| "/tmp".into());
            let _ = std::fs::remove_file(format!("{dir}/tmux-{}/{}", me.uid(), self.session));
        }
    }
}

fn have_tmux() -> bool {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tmux (.ci/run installs it)"
        );
        eprintln!("tmux is not installed: skipping the terminal test");
        return false;
    }
    true
}

fn start(name: &str, command: &str) -> Tmux {
    let t = Tmux {
        session: format!("confnotes-it-{name}-{}", std::process::id()),
    };
    t.tmux(&[
        "new-session",
        "-d",
        "-s",
        &t.session,
        "-x",
        "120",
        "-y",
        "40",
        command,
    ]);
    t
}

fn quit(t: &Tmux) {
    t.keys(&["q"]);
    let start = Instant::now();
    while t.alive() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!t.alive(), "q quits the app");
}

#[test]
fn a_note_saved_while_the_app_runs_shows_up() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("first.md"),
        "# 最初の勉強会\n\n## 開会\n\nはじまり。\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_confnotes");
    let command = format!(
        "env CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes}",
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        notes = notes.display(),
    );
    let t = start("watch", &command);
    t.wait_for("Events 1");
    // Saved the way editors do: a temporary file, then a rename over the name.
    let tmp_file = notes.join(".second.md.swp");
    std::fs::write(
        &tmp_file,
        "# 二回目の勉強会\n\n## Kustomize 入門\n\nオーバーレイの話。\n",
    )
    .unwrap();
    std::fs::rename(&tmp_file, notes.join("second.md")).unwrap();
    let screen = t.wait_for("Events 2");
    assert!(screen.contains("二回目の勉強会"), "{screen}");
    t.keys(&["/"]);
    t.text("kustomize");
    let screen = t.wait_for("Kustomize 入門");
    assert!(
        screen.contains("オーバーレイの話"),
        "the hit's note is shown:\n{screen}"
    );
    // An edit to the note being read re-renders it in place.
    std::fs::write(
        notes.join("second.md"),
        "# 二回目の勉強会\n\n## Kustomize 入門\n\nオーバーレイとパッチの話。\n",
    )
    .unwrap();
    t.wait_for("オーバーレイとパッチの話");
    t.keys(&["Escape"]);
    // Read apart from the `q` (Escape then q in one read is Alt-q).
    t.wait_gone("/ kustomize");
    quit(&t);

    // The next start shows the notes from the cache at once, the text read from the file.
    let t = start("warm", &command);
    let screen = t.wait_for("Events 2");
    assert!(screen.contains("二回目の勉強会"), "{screen}");
    quit(&t);
}

#[test]
fn search_follow_a_link_go_back_and_quit_in_tmux() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_confnotes");
    let command = format!(
        "env CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes}",
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        notes = fixtures().display(),
    );
    let t = start("links", &command);
    let screen = t.wait_for("Events 3");
    assert!(screen.contains("GitOps Day 2020"), "{screen}");

    t.keys(&["/"]);
    t.text("argo");
    t.keys(&["Space"]);
    let screen = t.wait_for("hits in 2 events");
    assert!(screen.contains("Argo CD 入門"), "{screen}");

    t.keys(&["Enter", "Enter"]);
    t.keys(&["]"]);
    t.wait_for("[1] Spinnaker の話");
    t.keys(&["Enter"]);
    let screen = t.wait_for("→ 2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信");
    assert!(screen.contains("Spinnaker によるマルチクラスタ配信"), "{screen}");
    assert!(
        screen.contains("Linked from"),
        "the jumped-to note shows its backlinks:\n{screen}"
    );

    t.keys(&["b"]);
    let screen = t.wait_for("← gitops-day#argo-cd");
    assert!(
        screen.contains("/ argo"),
        "going back restores the search:\n{screen}"
    );

    quit(&t);
}

impl Tmux {
    /// The pane's terminal modes: alternate screen, cursor shown, mouse reporting.
    fn modes(&self) -> String {
        self.tmux(&[
            "display",
            "-p",
            "-t",
            &self.session,
            "alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}",
        ])
        .trim()
        .to_string()
    }

    fn wait_modes(&self, want: &str) {
        let start = Instant::now();
        while self.modes() != want {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "terminal modes {} never became {want}:\n{}",
                self.modes(),
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process the pane's shell is running in the foreground.
    fn app_pid(&self) -> String {
        let shell = self.tmux(&["display", "-p", "-t", &self.session, "#{pane_pid}"]);
        let shell = shell.trim();
        let start = Instant::now();
        loop {
            let children =
                std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
            if let Some(pid) = children.split_whitespace().next() {
                return pid.to_string();
            }
            assert!(start.elapsed() < Duration::from_secs(20), "the app never started");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// bash's own `kill`: procps may not be installed.
fn send_signal(signal: &str, pid: &str) {
    let sent = Command::new("bash")
        .args(["-c", &format!("kill -{signal} {pid}")])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}

const APP_MODES: &str = "alt=1 cursor=0 mouse=1";
const SHELL_MODES: &str = "alt=0 cursor=1 mouse=0";

/// A shell in tmux, to start the app from as a person does (job control included).
fn shell(name: &str, tmp: &std::path::Path) -> (Tmux, String) {
    let t = start(name, "env PS1='prompt> ' bash --norc --noprofile");
    let app = format!(
        "CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes}",
        cfg = tmp.join("none.toml").display(),
        cache = tmp.join("cache").display(),
        bin = env!("CARGO_BIN_EXE_confnotes"),
        notes = fixtures().display(),
    );
    t.wait_for("prompt>");
    (t, app)
}

#[test]
fn every_terminating_signal_restores_the_terminal() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (t, app) = shell("signals", tmp.path());
    for (signal, code) in [("INT", 130), ("QUIT", 131), ("TERM", 143), ("HUP", 129)] {
        t.keys(&["clear", "Enter"]);
        t.text(&app);
        t.keys(&["Enter"]);
        t.wait_for("Events 3");
        t.wait_modes(APP_MODES);
        let pid = t.app_pid();
        send_signal(signal, &pid);
        t.wait_modes(SHELL_MODES);
        t.keys(&["echo status=$?", "Enter"]);
        t.wait_for(&format!("status={code}"));
    }
}

#[test]
fn ctrl_z_suspends_and_fg_resumes_in_raw_mode() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (t, app) = shell("suspend", tmp.path());
    t.text(&app);
    t.keys(&["Enter"]);
    t.wait_for("Events 3");
    t.wait_modes(APP_MODES);
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    t.wait_modes(SHELL_MODES);
    t.keys(&["fg", "Enter"]);
    // Every cell is drawn again, not only what changed.
    t.wait_for("Events 3");
    t.wait_modes(APP_MODES);
    // A stop the app did not ask for (SIGTSTP from outside), then `fg` again.
    let pid = t.app_pid();
    send_signal("TSTP", &pid);
    t.wait_for("Stopped");
    t.wait_modes(SHELL_MODES);
    t.keys(&["clear", "Enter"]);
    t.wait_gone("Events 3");
    t.keys(&["fg", "Enter"]);
    t.wait_for("Events 3");
    t.wait_modes(APP_MODES);
    // Raw mode again: `q` alone quits, without Enter.
    t.keys(&["q"]);
    t.wait_modes(SHELL_MODES);
    t.keys(&["echo status=$?", "Enter"]);
    t.wait_for("status=0");
}

#[test]
fn open_starts_the_app_on_that_session() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let command = format!(
        "env CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes} open 'spinnaker によるマルチクラスタ'",
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        bin = env!("CARGO_BIN_EXE_confnotes"),
        notes = fixtures().display(),
    );
    let t = start("open", &command);
    let screen = t.wait_for("→ 2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信");
    assert!(screen.contains("Cloud Native Meetup Tokyo #7"), "{screen}");
    assert!(
        screen.contains("佐藤 花子"),
        "the session's note is shown:\n{screen}"
    );
    quit(&t);
}

/// A note cannot retitle the terminal or reorder what the app draws.
#[test]
fn hostile_note_text_does_not_reach_the_terminal() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("evil.md"),
        "# Evil \u{1b}]2;pwned\u{7}Meetup\n\n## Kubeseal \u{202e}lesbuk\n\n本文\u{1b}[?25lです。\u{2066}x\n",
    )
    .unwrap();
    let command = format!(
        "env CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes}",
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        bin = env!("CARGO_BIN_EXE_confnotes"),
        notes = notes.display(),
    );
    let t = start("hostile", &command);
    t.wait_for("Events 1");
    t.keys(&["l", "j"]);
    let screen = t.wait_for("本文");
    assert!(screen.contains("Kubeseal lesbuk"), "{screen}");
    assert!(
        !screen.contains(['\u{202e}', '\u{2066}']),
        "no bidi control drawn:\n{screen}"
    );
    let title = t.tmux(&["display", "-p", "-t", &t.session, "#{pane_title}"]);
    assert!(!title.contains("pwned"), "{title}");
    assert_eq!(
        t.modes(),
        APP_MODES,
        "the cursor stays hidden only as the app hides it"
    );
    quit(&t);
}

#[test]
fn show_goes_through_the_pager_when_longer_than_the_screen() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    let long: String = (1..=100).map(|i| format!("- 項目 {i}\n")).collect();
    std::fs::write(notes.join("long.md"), format!("# 長い会\n\n## 長い話\n\n{long}")).unwrap();
    std::fs::write(notes.join("short.md"), "# 短い会\n\n## 短い話\n\n一行だけ。\n").unwrap();
    let pager = tmp.path().join("pager.sh");
    let paged = tmp.path().join("paged");
    std::fs::write(
        &pager,
        format!("#!/bin/sh\ncat > '{}'\necho paged-done\n", paged.display()),
    )
    .unwrap();
    std::fs::set_permissions(&pager, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let show = |name: &str, id: &str| {
        let command = format!(
            "env PAGER={pager} CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes} show {id}; echo shown; sleep 30",
            pager = pager.display(),
            cfg = tmp.path().join("none.toml").display(),
            cache = tmp.path().join("cache").display(),
            bin = env!("CARGO_BIN_EXE_confnotes"),
            notes = notes.display(),
        );
        start(name, &command)
    };
    let t = show("short", "短い話");
    let screen = t.wait_for("shown");
    assert!(
        screen.contains("一行だけ。") && !screen.contains("paged-done"),
        "{screen}"
    );
    assert!(!paged.exists());
    let t = show("long", "長い話");
    let screen = t.wait_for("shown");
    assert!(
        screen.contains("paged-done") && !screen.contains("項目 100"),
        "{screen}"
    );
    let text = std::fs::read_to_string(&paged).unwrap();
    assert!(
        text.contains("long#長い話") && text.contains("- 項目 100"),
        "{text}"
    );
}

/// Star a session, quit, start again: the star is still there; a speaker's sessions in
/// two events; the ranked results list.
#[test]
fn stars_survive_a_restart_and_a_speaker_spans_events() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let command = format!(
        "env CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} CONFNOTES_DATA={data} {bin} --no-bundled --notes {notes}",
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        data = tmp.path().join("data").display(),
        bin = env!("CARGO_BIN_EXE_confnotes"),
        notes = fixtures().with_file_name("browse").display(),
    );
    let t = start("stars", &command);
    t.wait_for("SRE Night 6");
    t.keys(&["l", "j", "s"]);
    t.wait_for("★ PaaS の障害対応を自動化する");
    quit(&t);
    let t = start("stars2", &command);
    t.wait_for("SRE Night 6");
    t.keys(&["*"]);
    let screen = t.wait_for("Starred");
    assert!(screen.contains("PaaS の障害対応を自動化する"), "{screen}");
    // Esc alone: followed at once by a key, a terminal reads it as Alt+key.
    t.keys(&["Escape"]);
    t.wait_gone("nothing matches");
    t.wait_gone("Starred");
    t.keys(&["l", "j", "S"]);
    let screen = t.wait_for("Sessions by 森 陽子 (@yoko_mori) (2)");
    assert!(
        screen.contains("社内 PaaS の三年間") && screen.contains("Platform Day 2024"),
        "{screen}"
    );
    t.keys(&["Down", "Enter"]);
    t.wait_for("社内 PaaS を三年運用した");
    t.keys(&["/"]);
    t.text("spinnaker");
    t.keys(&["C-r"]);
    let screen = t.wait_for("2 hits for \"spinnaker\"");
    assert!(screen.contains("切り戻しを自動で走らせる"), "{screen}");
    // Esc closes the list, back in the search line; Esc again leaves the search.
    t.keys(&["Escape"]);
    t.wait_gone("hits for");
    t.keys(&["Escape"]);
    t.wait_gone("/ spinnaker");
    quit(&t);
}

#[test]
fn zoom_outline_copy_and_an_editor_in_tmux() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    let filler: String = (1..=40).map(|i| format!("本文の{i}行目。\n\n")).collect();
    std::fs::write(
        notes.join("reading.md"),
        format!(
            "# 読書会\n\n## 第一回\n\n- speaker: 山田\n\n### 見出しA\n\n{filler}### 見出しB\n\nおわり。\n"
        ),
    )
    .unwrap();
    // A stand-in for $EDITOR: notes its arguments, appends a word, exits.
    let editor = tmp.path().join("editor.sh");
    let args = tmp.path().join("editor-args");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\necho \"$@\" > {args}\nprintf '\\n追記 zebrafish\\n' >> \"$2\"\n",
            args = args.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&editor).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&editor, perms).unwrap();
    let bin = env!("CARGO_BIN_EXE_confnotes");
    let command = format!(
        "env VISUAL= EDITOR={editor} CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes}",
        editor = editor.display(),
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        notes = notes.display(),
    );
    let t = start("editor", &command);
    t.wait_for("Events 1");
    t.keys(&["Enter", "j", "Enter", "z"]);
    let screen = t.wait_for("Note (z: panes)");
    assert!(!screen.contains("Events 1"), "zoomed: the note alone\n{screen}");
    t.keys(&["o"]);
    t.wait_for("Outline");
    t.keys(&["j", "j", "Enter"]);
    let screen = t.wait_gone("Outline");
    assert!(
        screen.contains("見出しB") && !screen.contains("見出しA"),
        "the outline jumped to the second heading:\n{screen}"
    );

    // y puts the session id on the clipboard by OSC 52, which tmux takes as a buffer.
    t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    t.keys(&["y"]);
    t.wait_for("copied reading#第一回");
    let buffer = t.tmux(&["show-buffer"]);
    assert_eq!(buffer.trim(), "reading#第一回");

    t.keys(&["e"]);
    t.wait_for("back from the editor");
    assert_eq!(
        std::fs::read_to_string(&args).unwrap().trim(),
        format!("+3 {}", notes.join("reading.md").display()),
        "the editor was given the session's line"
    );
    t.keys(&["/"]);
    t.text("zebrafish");
    let screen = t.wait_for("1 hit in 1 event");
    assert!(screen.contains("追記 zebrafish"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_gone("/ zebrafish");
    quit(&t);
}

/// A folder without notes is said so where the lists would be; a note saved into it
/// shows up and the message goes.
#[test]
fn an_empty_folder_is_said_and_a_new_note_fills_it() {
    if !have_tmux() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    let command = format!(
        "env CONFNOTES_CONFIG={cfg} CONFNOTES_CACHE={cache} {bin} --no-bundled --notes {notes} --notes {missing}",
        cfg = tmp.path().join("none.toml").display(),
        cache = tmp.path().join("cache").display(),
        bin = env!("CARGO_BIN_EXE_confnotes"),
        notes = notes.display(),
        missing = tmp.path().join("missing").display(),
    );
    let t = start("empty", &command);
    let screen = t.wait_for("it does not exist");
    assert!(
        screen.contains(&format!("no notes in {}", notes.display())),
        "{screen}"
    );
    assert!(!screen.contains("no matches"), "{screen}");
    std::fs::write(notes.join("meetup.md"), "# 勉強会\n\n## はじめての発表\n").unwrap();
    let screen = t.wait_for("勉強会");
    assert!(
        !screen.contains(&format!("no notes in {}", notes.display())),
        "{screen}"
    );
    quit(&t);
}
