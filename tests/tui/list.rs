//! A long org list: drawn from the first rows of the file while the rest is read, End going to
//! the real end, the count whole once loaded.

use std::fmt::Write as _;

use super::LAST_HINT;
use crate::common::app::World;

/// `n` orgs as the orgs file holds them.
fn orgs_toml(n: usize) -> String {
    let mut text = String::from("version = 1\n");
    for i in 0..n {
        let _ = write!(
            text,
            "\n[[org]]\nid = \"{:016x}\"\nname = \"o{i:05}\"\nlogin_url = \"https://login.salesforce.com\"\nclient_id = \"3MVG9list{i}\"\n",
            0x5f00_0000_0000_0000_u64 + i as u64
        );
    }
    text
}

#[test]
fn a_long_list_loads_behind_the_first_rows_and_end_reaches_its_end() {
    let world = World::new("app-list");
    std::fs::create_dir_all(&world.dir).unwrap();
    std::fs::write(world.dir.join("orgs.toml"), orgs_toml(3_000)).unwrap();
    let mut app = world.start(100, 30);
    app.wait_for_all(&["▸o00000 ", LAST_HINT]);
    app.send("G");
    app.wait_for_all(&["▸o02999 ", " Orgs (3000) ", "· 3000 orgs"]);
    app.send("g");
    app.wait_for("▸o00000 ");
    app.send("q");
    app.wait_exit();
}
