//! config.toml in the terminal app: a broken file opens the app on defaults with its line and
//! column shown, and is left byte for byte as it was.

use crate::common::app::World;

#[test]
fn a_broken_config_toml_is_shown_with_its_place_and_never_rewritten() {
    let world = World::new("app-broken-config");
    std::fs::create_dir_all(&world.dir).unwrap();
    let path = world.dir.join("config.toml");
    // No keyring line: the app opens on defaults rather than stop.
    let broken = "idle_warning_days = 9\n[theme]\nkey = \"cyaan\"\n";
    std::fs::write(&path, broken).unwrap();
    let mut app = world.start(160, 30);
    let screen = app.wait_for("⚠ config.toml line 3, column 7: broken, running on defaults");
    assert!(screen.contains("\"cyaan\" is not a colour"), "{screen}");
    // Esc hides the message; the header keeps its note.
    app.send("\x1b");
    let screen = app.wait_until("the message hidden", |s| {
        !s.contents().contains("is not a colour")
    });
    assert!(
        screen.contains("⚠ config.toml line 3, column 7"),
        "{screen}"
    );
    // The app works on defaults: the built-in keys answer.
    app.send("?");
    app.wait_for("Keys");
    app.send("q");
    app.send("q");
    app.wait_exit();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}
