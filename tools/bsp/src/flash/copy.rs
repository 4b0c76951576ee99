// SPDX-License-Identifier: GPL-2.0

//! Moving the mapped ranges: check the image, write the target, read the target back.
//!
//! Every pass hashes each range with SHA-256. [`verify_image`] runs before anything is
//! written, so that a corrupted image is refused with the card untouched. [`write`] hashes
//! what it writes, so that an image changed in between is caught too, and returns the
//! hashes. [`read_back`] runs after `fsync` and after asking the kernel to drop the
//! target's cached pages (`POSIX_FADV_DONTNEED`), so that what it reads comes from the card
//! rather than from the page cache.
//!
//! Limitations: dropping the cache is advice; a device whose own cache lies is not caught.

use std::{
    fs::File,
    io::{self, Read, Seek, SeekFrom, Write},
};

use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};
use sha2::{Digest, Sha256};

use super::bmap::{Map, Range};

/// Bytes moved per read and write.
const CHUNK: usize = 1 << 20;

/// Hashes `range` of `file`, handing every chunk to `sink` on the way.
fn hash_range(
    file: &mut File,
    range: &Range,
    mut sink: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    file.seek(SeekFrom::Start(range.offset))?;
    let mut left = range.length;
    while left > 0 {
        let n = CHUNK.min(usize::try_from(left).unwrap_or(CHUNK));
        file.read_exact(&mut buf[..n])?;
        hasher.update(&buf[..n]);
        sink(&buf[..n])?;
        left -= n as u64;
    }
    Ok(hasher.finalize().into())
}

/// `range N (bytes A-B)`, numbered from 1, inclusive end, as people count them.
fn label(index: usize, range: &Range) -> String {
    format!(
        "range {} (bytes {}-{})",
        index + 1,
        range.offset,
        range.end().saturating_sub(1)
    )
}

/// Checks every range of the image against the bmap; `image_name` labels errors.
pub fn verify_image(image: &mut File, map: &Map, image_name: &str) -> Result<(), String> {
    for (i, range) in map.ranges.iter().enumerate() {
        let digest = hash_range(image, range, |_| Ok(()))
            .map_err(|e| format!("cannot read {image_name} at {}: {e}", label(i, range)))?;
        if range.sha256.is_some_and(|want| want != digest) {
            return Err(format!(
                "image {image_name} is corrupted: {} does not match its bmap checksum",
                label(i, range)
            ));
        }
    }
    Ok(())
}

/// Writes every range from `image` to `target`; `progress` gets the bytes written so far
/// after every chunk. Returns the SHA-256 of each range as written.
pub fn write(
    image: &mut File,
    target: &mut File,
    map: &Map,
    mut progress: impl FnMut(usize, u64),
) -> Result<Vec<[u8; 32]>, String> {
    let mut digests = Vec::with_capacity(map.ranges.len());
    let mut done = 0u64;
    for (i, range) in map.ranges.iter().enumerate() {
        target
            .seek(SeekFrom::Start(range.offset))
            .map_err(|e| format!("cannot seek the target to {}: {e}", label(i, range)))?;
        let digest = hash_range(image, range, |chunk| {
            target.write_all(chunk)?;
            done += chunk.len() as u64;
            progress(i, done);
            Ok(())
        })
        .map_err(|e| format!("cannot copy {}: {e}", label(i, range)))?;
        if range.sha256.is_some_and(|want| want != digest) {
            return Err(format!(
                "the image changed while it was written: {} no longer matches its bmap checksum",
                label(i, range)
            ));
        }
        digests.push(digest);
    }
    Ok(digests)
}

/// Flushes the target to the device and drops its cached pages.
pub fn sync(target: &mut File) -> Result<(), String> {
    target
        .flush()
        .and_then(|()| target.sync_all())
        .map_err(|e| format!("cannot flush the target: {e}"))?;
    // Best effort: without it the read-back may come from the page cache.
    let _ = posix_fadvise(&*target, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED);
    Ok(())
}

/// Reads every range back from the target and compares it with what was written.
pub fn read_back(target: &mut File, map: &Map, written: &[[u8; 32]]) -> Result<(), String> {
    for (i, (range, want)) in map.ranges.iter().zip(written).enumerate() {
        let digest = hash_range(target, range, |_| Ok(()))
            .map_err(|e| format!("cannot read back {}: {e}", label(i, range)))?;
        if digest != *want {
            return Err(format!(
                "read-back of {} does not match what was written: the card may be faulty",
                label(i, range)
            ));
        }
    }
    Ok(())
}
