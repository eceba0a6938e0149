//! trybuild runs every case under `fail/` (must not compile, with the exact `.stderr`) and
//! `pass/` (must compile). The `.stderr` snapshots are for one rustc: on any other toolchain
//! the test is ignored. Regenerate with `TRYBUILD=overwrite cargo test -p resile-ui-tests`
//! (see `README.md`).

#[rustversion::attr(not(stable(1.95)), ignore = "stderr snapshots are for rustc 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("fail/**/*.rs");
    t.pass("pass/**/*.rs");
}
