// `sqlx::migrate!` embeds the migration folders at compile time; on stable Rust cargo does not
// see a new migration file unless told to watch the folders.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
