// SPDX-License-Identifier: GPL-2.0

//! The block map of an image: which byte ranges hold data, and the SHA-256 of each.
//!
//! [`load`] reads a bmap file (format 1.4 or later: `ChecksumType`, `BmapFileChecksum` and
//! per-range `chksum`; 2.0 has the same shape) with the `bmap-parser` crate. Before that it
//! checks the file's own checksum: the SHA-256 of the file with the `BmapFileChecksum` value
//! replaced by as many ASCII zeros. After parsing, the ranges must lie inside the image, in
//! ascending order, without overlap, and add up to `MappedBlocksCount`.
//!
//! Limitations: formats before 1.4 (`sha1=` ranges, `BmapFileSHA1`) and checksum types other
//! than sha256 are refused. `bmap-parser` panics on range text that is not a number; that
//! panic is caught and reported as a malformed bmap.

use std::{fmt::Write, fs, panic, path::Path};

use bmap_parser::Bmap;
use sha2::{Digest, Sha256};

/// The element holding the file's own checksum.
const FILE_CHECKSUM_TAG: &str = "BmapFileChecksum";

/// Length of a SHA-256 in hex.
const SHA256_HEX_LEN: usize = 64;

/// Size of the pieces `--nobmap` writes and reads back one at a time.
const NOBMAP_CHUNK: u64 = 64 << 20;

/// Bytes `offset..offset + length` of the image, and their SHA-256 when a bmap gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub offset: u64,
    pub length: u64,
    pub sha256: Option<[u8; 32]>,
}

impl Range {
    pub fn end(&self) -> u64 {
        self.offset + self.length
    }
}

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    /// Size of the whole image in bytes; the target must hold this much.
    pub image_size: u64,
    pub ranges: Vec<Range>,
}

impl Map {
    /// Bytes that will be written.
    pub fn mapped_bytes(&self) -> u64 {
        self.ranges.iter().map(|r| r.length).sum()
    }

    /// The whole image without a bmap: every byte, in pieces, checksums unknown.
    pub fn whole(image_size: u64) -> Self {
        let ranges = (0..image_size)
            .step_by(NOBMAP_CHUNK as usize)
            .map(|offset| Range {
                offset,
                length: NOBMAP_CHUNK.min(image_size - offset),
                sha256: None,
            })
            .collect();
        Self { image_size, ranges }
    }
}

/// Reads and checks the bmap file at `path`.
pub fn load(path: &Path) -> Result<Map, String> {
    let name = path.display();
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read bmap {name}: {e}"))?;
    check_file_checksum(&text).map_err(|e| format!("bmap {name}: {e}"))?;
    parse(&text).map_err(|e| format!("bmap {name}: {e}"))
}

/// Checks `BmapFileChecksum` against the text.
fn check_file_checksum(text: &str) -> Result<(), String> {
    let open = format!("<{FILE_CHECKSUM_TAG}>");
    let close = format!("</{FILE_CHECKSUM_TAG}>");
    let missing = || format!("no {FILE_CHECKSUM_TAG} (bmap formats before 1.4 are not supported)");
    let start = text.find(&open).ok_or_else(missing)? + open.len();
    let end = start + text[start..].find(&close).ok_or_else(missing)?;

    let raw = &text[start..end];
    let value = raw.trim();
    let value_start = start + (raw.len() - raw.trim_start().len());
    if value.len() != SHA256_HEX_LEN || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{FILE_CHECKSUM_TAG} {value:?} is not a SHA-256"));
    }

    let mut zeroed = String::with_capacity(text.len());
    zeroed.push_str(&text[..value_start]);
    zeroed.extend(std::iter::repeat_n('0', value.len()));
    zeroed.push_str(&text[value_start + value.len()..]);
    if hex(&Sha256::digest(zeroed.as_bytes())) != value.to_ascii_lowercase() {
        return Err(format!(
            "corrupted: its {FILE_CHECKSUM_TAG} does not match its contents"
        ));
    }
    Ok(())
}

/// Parses the XML and checks that the ranges make sense.
fn parse(text: &str) -> Result<Map, String> {
    // Silence the default hook while bmap-parser may panic on malformed numbers.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let parsed = panic::catch_unwind(|| Bmap::from_xml(text));
    panic::set_hook(hook);
    let bmap = match parsed {
        Ok(Ok(bmap)) => bmap,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err("malformed or out-of-range block range".to_owned()),
    };

    let image_size = bmap.image_size();
    let block_size = bmap.block_size();
    if block_size == 0 {
        return Err("BlockSize is 0".to_owned());
    }
    let mut ranges = Vec::new();
    let mut blocks = 0u64;
    let mut previous_end = 0;
    for (i, range) in bmap.block_map().enumerate() {
        let (offset, length) = (range.offset(), range.length());
        let end = offset.checked_add(length).filter(|&end| end <= image_size);
        let Some(end) = end.filter(|_| length > 0 && offset >= previous_end) else {
            return Err(format!(
                "range {} (bytes {offset}+{length}) is empty, overlaps the one before or \
                 lies outside the {image_size}-byte image",
                i + 1
            ));
        };
        previous_end = end;
        blocks += length.div_ceil(block_size);
        let sha256: [u8; 32] = range
            .checksum()
            .as_slice()
            .try_into()
            .map_err(|_| format!("range {} has no SHA-256", i + 1))?;
        ranges.push(Range {
            offset,
            length,
            sha256: Some(sha256),
        });
    }
    if blocks != bmap.mapped_blocks() {
        return Err(format!(
            "MappedBlocksCount is {}, the ranges hold {blocks} blocks",
            bmap.mapped_blocks()
        ));
    }
    Ok(Map { image_size, ranges })
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Writes a bmap 2.0 file for `image` with the given block ranges (inclusive block
/// numbers), as `bmaptool create` would. For tests here and in the CLI tests.
#[doc(hidden)]
pub fn synthesize(image: &[u8], block_size: usize, ranges: &[(usize, usize)]) -> String {
    let blocks = image.len().div_ceil(block_size);
    let mapped: usize = ranges.iter().map(|(a, b)| b - a + 1).sum();
    let mut xml = String::new();
    let _ = writeln!(xml, "<?xml version=\"1.0\" ?>\n<bmap version=\"2.0\">");
    let _ = writeln!(xml, "    <ImageSize> {} </ImageSize>", image.len());
    let _ = writeln!(xml, "    <BlockSize> {block_size} </BlockSize>");
    let _ = writeln!(xml, "    <BlocksCount> {blocks} </BlocksCount>");
    let _ = writeln!(xml, "    <MappedBlocksCount> {mapped} </MappedBlocksCount>");
    let _ = writeln!(xml, "    <ChecksumType> sha256 </ChecksumType>");
    let zeros = "0".repeat(SHA256_HEX_LEN);
    let _ = writeln!(
        xml,
        "    <{FILE_CHECKSUM_TAG}> {zeros} </{FILE_CHECKSUM_TAG}>"
    );
    let _ = writeln!(xml, "    <BlockMap>");
    for &(first, last) in ranges {
        let start = first * block_size;
        let end = ((last + 1) * block_size).min(image.len());
        let sum = hex(&Sha256::digest(&image[start..end]));
        let text = if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        };
        let _ = writeln!(xml, "        <Range chksum=\"{sum}\"> {text} </Range>");
    }
    let _ = writeln!(xml, "    </BlockMap>\n</bmap>");
    let sum = hex(&Sha256::digest(xml.as_bytes()));
    xml.replacen(&zeros, &sum, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        (0..10_000u32).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn parses_a_good_bmap() {
        let image = image();
        let xml = synthesize(&image, 1024, &[(0, 1), (4, 4), (8, 9)]);
        assert_eq!(check_file_checksum(&xml), Ok(()));
        let map = parse(&xml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(map.image_size, 10_000);
        let spans: Vec<_> = map.ranges.iter().map(|r| (r.offset, r.length)).collect();
        // The last block is cut at the end of the image.
        assert_eq!(spans, [(0, 2048), (4096, 1024), (8192, 1808)]);
        assert_eq!(map.mapped_bytes(), 2048 + 1024 + 1808);
        let first: [u8; 32] = Sha256::digest(&image[..2048]).into();
        assert_eq!(map.ranges[0].sha256, Some(first));
    }

    #[test]
    fn file_checksum_catches_any_change() {
        let xml = synthesize(&image(), 1024, &[(0, 1)]);
        let changed = xml.replacen("<BlockSize> 1024", "<BlockSize> 2048", 1);
        let err = check_file_checksum(&changed).err().unwrap_or_default();
        assert_eq!(
            err,
            "corrupted: its BmapFileChecksum does not match its contents"
        );

        let old = xml.replace("BmapFileChecksum", "BmapFileSHA1");
        let err = check_file_checksum(&old).err().unwrap_or_default();
        assert!(err.starts_with("no BmapFileChecksum"), "{err}");
    }

    #[test]
    fn ranges_must_fit_and_add_up() {
        let image = image();
        // Block 20 is past the end of a 10-block image.
        let xml = synthesize(&image, 1024, &[(0, 1), (8, 8)]).replace("> 8 <", "> 20 <");
        assert!(parse(&xml).is_err());

        let xml = synthesize(&image, 1024, &[(4, 5), (2, 3)]);
        let err = parse(&xml).err().unwrap_or_default();
        assert!(err.starts_with("range 2 "), "{err}");

        let xml = synthesize(&image, 1024, &[(0, 1)])
            .replace("<MappedBlocksCount> 2 <", "<MappedBlocksCount> 3 <");
        let err = parse(&xml).err().unwrap_or_default();
        assert_eq!(err, "MappedBlocksCount is 3, the ranges hold 2 blocks");
    }

    #[test]
    fn malformed_range_text_does_not_panic() {
        let xml = synthesize(&image(), 1024, &[(0, 1)]).replace("> 0-1 <", "> zero-1 <");
        assert_eq!(
            parse(&xml),
            Err("malformed or out-of-range block range".to_owned())
        );
    }

    #[test]
    fn whole_image_in_pieces() {
        let map = Map::whole(NOBMAP_CHUNK * 2 + 5);
        let spans: Vec<_> = map.ranges.iter().map(|r| (r.offset, r.length)).collect();
        assert_eq!(
            spans,
            [
                (0, NOBMAP_CHUNK),
                (NOBMAP_CHUNK, NOBMAP_CHUNK),
                (2 * NOBMAP_CHUNK, 5)
            ]
        );
        assert!(Map::whole(0).ranges.is_empty());
    }
}
