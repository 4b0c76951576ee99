// SPDX-License-Identifier: GPL-2.0

//! Runs `bsp flash` with regular files standing in for cards: what is written, what is
//! refused before writing, exit status. The device checks (root, mounted, removable, size)
//! are unit tests of `flash::target` against a fake sysfs.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use bsp::flash::bmap;

const BLOCK: usize = 4096;

/// Byte the stand-in card is filled with before writing, to see what was not written.
const OLD: u8 = 0xAA;

/// A 64-block image with data in blocks 0-3, 10 and 40-47; the rest is zeros.
fn image() -> Vec<u8> {
    let mut image = vec![0u8; 64 * BLOCK];
    for block in (0..4).chain([10]).chain(40..48) {
        for (i, byte) in image[block * BLOCK..(block + 1) * BLOCK]
            .iter_mut()
            .enumerate()
        {
            *byte = (block * 7 + i % 253) as u8 | 1;
        }
    }
    image
}

const RANGES: &[(usize, usize)] = &[(0, 3), (10, 10), (40, 47)];

/// A directory with `sdcard.img`, `sdcard.img.bmap` and a stand-in card full of [`OLD`].
fn setup(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("flash-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let image = image();
    write(&dir.join("sdcard.img"), &image);
    write(
        &dir.join("sdcard.img.bmap"),
        bmap::synthesize(&image, BLOCK, RANGES).as_bytes(),
    );
    write(&dir.join("card"), &vec![OLD; image.len()]);
    dir
}

fn write(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn flash(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bsp"))
        .arg("flash")
        .arg(dir.join("sdcard.img"))
        .arg(dir.join("card"))
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run bsp: {e}"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Exit status 2, one error line, card unchanged.
fn assert_refused(dir: &Path, output: &Output, reason: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("bsp: error: "), "{err}");
    assert!(err.contains(reason), "{err}");
    assert!(read(&dir.join("card")).iter().all(|&b| b == OLD));
}

#[test]
fn writes_only_mapped_ranges_and_verifies() {
    let dir = setup("ok");
    let output = flash(&dir, &["--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let image = image();
    let card = read(&dir.join("card"));
    assert_eq!(card.len(), image.len());
    for block in 0..64 {
        let span = block * BLOCK..(block + 1) * BLOCK;
        let mapped = RANGES.iter().any(|&(a, b)| (a..=b).contains(&block));
        if mapped {
            assert_eq!(card[span.clone()], image[span], "block {block}");
        } else {
            assert!(
                card[span].iter().all(|&b| b == OLD),
                "block {block} was written"
            );
        }
    }

    let out = stdout(&output);
    assert!(out.contains("checking "), "{out}");
    assert!(out.contains(" 100%  "), "{out}");
    assert!(
        out.contains("wrote 53248 bytes (0.1 MiB) in 3 ranges to "),
        "{out}"
    );
    assert!(out.contains(" MB/s\n"), "{out}");
    assert!(out.contains("read back and verified 3 ranges in "), "{out}");
}

#[test]
fn corrupted_image_is_refused_before_writing() {
    let dir = setup("corrupt");
    let mut image = image();
    image[41 * BLOCK + 5] ^= 0x40;
    write(&dir.join("sdcard.img"), &image);
    let output = flash(&dir, &["--yes"]);
    assert_refused(
        &dir,
        &output,
        "is corrupted: range 3 (bytes 163840-196607) does not match its bmap checksum",
    );
}

#[test]
fn corrupted_bmap_is_refused() {
    let dir = setup("bad-bmap");
    let path = dir.join("sdcard.img.bmap");
    let text = String::from_utf8_lossy(&read(&path)).replace("> 10 <", "> 11 <");
    write(&path, text.as_bytes());
    let output = flash(&dir, &["--yes"]);
    assert_refused(
        &dir,
        &output,
        "sdcard.img.bmap: corrupted: its BmapFileChecksum does not match its contents",
    );
}

#[test]
fn missing_bmap_needs_nobmap() {
    let dir = setup("nobmap");
    fs::remove_file(dir.join("sdcard.img.bmap")).unwrap_or_else(|e| panic!("{e}"));
    let output = flash(&dir, &["--yes"]);
    assert_refused(
        &dir,
        &output,
        "sdcard.img.bmap): name one with --bmap, or pass --nobmap",
    );

    let output = flash(&dir, &["--yes", "--nobmap"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(read(&dir.join("card")), image());
    assert!(stdout(&output).contains("wrote 262144 bytes (0.2 MiB) in 1 ranges"));
}

#[test]
fn bmap_named_elsewhere() {
    let dir = setup("elsewhere");
    let other = dir.join("map.xml");
    fs::rename(dir.join("sdcard.img.bmap"), &other).unwrap_or_else(|e| panic!("{e}"));
    let bmap = other.display().to_string();
    let output = flash(&dir, &["--yes", "--bmap", &bmap]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn no_terminal_needs_yes() {
    let dir = setup("no-tty");
    let output = flash(&dir, &[]);
    assert_refused(
        &dir,
        &output,
        "standard input is not a terminal: pass --yes to write without asking",
    );
}

#[test]
fn short_image_is_refused() {
    let dir = setup("short");
    write(&dir.join("sdcard.img"), &image()[..100 * 1024]);
    let output = flash(&dir, &["--yes"]);
    assert_refused(&dir, &output, "is 102400 bytes, its bmap says 262144");
}

#[test]
fn target_must_exist_and_grows() {
    let dir = setup("grow");
    fs::remove_file(dir.join("card")).unwrap_or_else(|e| panic!("{e}"));
    let output = flash(&dir, &["--yes"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does not exist (a regular file as target must be created"));
    assert!(!dir.join("card").exists());

    write(&dir.join("card"), b"");
    let output = flash(&dir, &["--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // A new file: the unmapped blocks are holes and read as zeros, like the image.
    assert_eq!(read(&dir.join("card")), image());
}

#[test]
fn image_onto_itself_is_refused() {
    let dir = setup("itself");
    let image = dir.join("sdcard.img").display().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_bsp"))
        .args(["flash", &image, &image, "--yes"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).ends_with("is the image itself\n"));
}
