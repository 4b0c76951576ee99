// SPDX-License-Identifier: GPL-2.0

//! The card to write: what it is, and whether writing to it is safe.
//!
//! A block device is looked up in sysfs by its major:minor (`/sys/dev/block/M:m`); a
//! partition stands for its whole disk in every check. Writing is refused when the disk
//! holds the running system's root (the device of `/` in `/proc/self/mountinfo`, through
//! device-mapper or MD layers in `slaves/`), when the disk or one of its partitions is
//! mounted (by major:minor in `/proc/self/mountinfo`, and by device name in
//! `/proc/self/mounts`, which also catches file systems such as btrfs that report an
//! anonymous device number), when `/sys/block/<disk>/removable` is 0 (unless forced), and
//! when the device is smaller than the image.
//!
//! A regular file stands in for a card (in tests, or to build an image elsewhere). It must
//! exist already, so that a mistyped device path is never silently created as a file in
//! /dev; it is grown to the image size if it is shorter, and none of the device checks apply.
//!
//! Limitations: an SD card in a slot on the MMC bus (`mmcblkN`) always reads removable 0
//! (the MMC block driver never sets it), so it needs `--force`; USB card readers read 1.
//! A root file system whose device cannot be found (overlay or NFS roots, containers) is not
//! guarded against, beyond the mount checks. Swap and other exclusive users are caught only
//! by the exclusive open, with a less specific message.

use std::{
    collections::BTreeSet,
    fmt, fs,
    os::unix::fs::{FileTypeExt, MetadataExt},
    path::{Path, PathBuf},
};

/// Size of the sectors in sysfs `size` files, whatever the device's own sector size.
const SYSFS_SECTOR: u64 = 512;

/// Deepest stack of device-mapper or MD layers followed under the root file system.
const MAX_LAYERS: usize = 8;

/// A block device number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DevNum {
    pub major: u64,
    pub minor: u64,
}

impl DevNum {
    fn of(rdev: u64) -> Self {
        Self {
            major: nix::sys::stat::major(rdev),
            minor: nix::sys::stat::minor(rdev),
        }
    }

    /// Parses `8:17` as found in mountinfo and sysfs `dev` files.
    fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.trim().split_once(':')?;
        Some(Self {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl fmt::Display for DevNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.major, self.minor)
    }
}

/// Where `/proc`, `/sys` and `/dev` are: `/` on a real system, a prepared tree in tests.
#[derive(Debug, Clone)]
pub struct Host {
    root: PathBuf,
}

impl Host {
    /// The running system.
    pub fn system() -> Self {
        Self::at("/")
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, absolute: &str) -> PathBuf {
        self.root.join(absolute.trim_start_matches('/'))
    }
}

/// A block device that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The kernel's name of the device written to, e.g. `sdb` or `sdb1`.
    pub name: String,
    /// Its whole disk, e.g. `sdb`.
    pub disk: String,
    pub removable: bool,
    pub size: u64,
}

/// What the target is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    File,
    Block(Block),
}

/// A target that may be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    pub kind: Kind,
    /// Bytes now; for a regular file, before it is grown to the image size.
    pub size: u64,
    /// Device and inode, to refuse writing an image onto itself.
    pub identity: (u64, u64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::File => write!(f, "regular file, {} bytes", self.size),
            Kind::Block(b) => {
                let what = if b.removable { "removable" } else { "fixed" };
                let part = if b.name == b.disk {
                    String::new()
                } else {
                    format!("partition {} of ", b.name)
                };
                write!(f, "{part}{what} disk {}, {:.1} GB", b.disk, gb(self.size))
            }
        }
    }
}

fn gb(bytes: u64) -> f64 {
    bytes as f64 / 1e9
}

/// Looks at `path` and refuses it as a target when writing `image_size` bytes is unsafe.
/// `force` accepts a disk that does not say it is removable.
pub fn inspect(path: &Path, host: &Host, image_size: u64, force: bool) -> Result<Target, String> {
    let name = path.display();
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{name} does not exist (a regular file as target must be created first)")
        }
        _ => format!("cannot look at {name}: {e}"),
    })?;
    let identity = (meta.dev(), meta.ino());
    let file_type = meta.file_type();
    if file_type.is_file() {
        return Ok(Target {
            path: path.to_owned(),
            kind: Kind::File,
            size: meta.len(),
            identity,
        });
    }
    if !file_type.is_block_device() {
        return Err(format!(
            "{name} is neither a block device nor a regular file"
        ));
    }

    let block = check_block(
        host,
        &name.to_string(),
        DevNum::of(meta.rdev()),
        image_size,
        force,
    )?;
    Ok(Target {
        path: path.to_owned(),
        size: block.size,
        kind: Kind::Block(block),
        identity,
    })
}

/// The device checks, in order: root, mounted, removable, size.
pub fn check_block(
    host: &Host,
    name: &str,
    dev: DevNum,
    image_size: u64,
    force: bool,
) -> Result<Block, String> {
    let node =
        sysfs_node(host, dev).ok_or_else(|| format!("{name}: no {dev} in /sys/dev/block"))?;
    let is_partition = node.join("partition").exists();
    let disk_dir = if is_partition {
        node.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| node.clone())
    } else {
        node.clone()
    };
    let block = Block {
        name: file_name(&node),
        disk: file_name(&disk_dir),
        removable: read_trimmed(&disk_dir.join("removable")).as_deref() == Some("1"),
        size: read_trimmed(&node.join("size"))
            .and_then(|s| s.parse::<u64>().ok())
            .map(|sectors| sectors * SYSFS_SECTOR)
            .ok_or_else(|| format!("{name}: cannot read its size from sysfs"))?,
    };
    let members = disk_members(&disk_dir);
    let mountinfo = read_trimmed(&host.path("/proc/self/mountinfo")).unwrap_or_default();

    if let Some(root) = root_mount(&mountinfo) {
        if root_disks(host, &root).contains(&block.disk) {
            return Err(format!(
                "{name} holds the running system's root file system (/ is on {}, disk {})",
                root.source, block.disk
            ));
        }
    }
    if let Some((device, mount_point)) = mounted_member(host, &mountinfo, &members) {
        return Err(format!(
            "{name} is in use: {device} is mounted on {mount_point} (unmount it first)"
        ));
    }
    if !block.removable && !force {
        return Err(format!(
            "{name} is not removable (/sys/block/{}/removable is 0): pass --force if it \
             is the card",
            block.disk
        ));
    }
    if block.size < image_size {
        return Err(format!(
            "{name} is too small: {} bytes, the image needs {image_size}",
            block.size
        ));
    }
    Ok(block)
}

/// The sysfs directory of a block device, symlinks resolved.
fn sysfs_node(host: &Host, dev: DevNum) -> Option<PathBuf> {
    fs::canonicalize(host.path(&format!("/sys/dev/block/{dev}"))).ok()
}

/// The disk and its partitions: device number and name.
fn disk_members(disk_dir: &Path) -> Vec<(DevNum, String)> {
    let mut members: Vec<(DevNum, String)> = read_trimmed(&disk_dir.join("dev"))
        .and_then(|d| DevNum::parse(&d))
        .map(|d| (d, file_name(disk_dir)))
        .into_iter()
        .collect();
    let entries = fs::read_dir(disk_dir).into_iter().flatten().flatten();
    for entry in entries {
        let dir = entry.path();
        if !dir.join("partition").exists() {
            continue;
        }
        if let Some(dev) = read_trimmed(&dir.join("dev")).and_then(|d| DevNum::parse(&d)) {
            members.push((dev, file_name(&dir)));
        }
    }
    members
}

/// The mount of `/` in mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RootMount {
    dev: Option<DevNum>,
    source: String,
}

/// The last mount on `/` (the visible one) in mountinfo text.
fn root_mount(mountinfo: &str) -> Option<RootMount> {
    mountinfo
        .lines()
        .rev()
        .filter_map(parse_mountinfo)
        .find(|m| m.mount_point == "/")
        .map(|m| RootMount {
            dev: m.dev,
            source: m.source,
        })
}

/// Names of the disks under the root file system, through device-mapper and MD layers.
fn root_disks(host: &Host, root: &RootMount) -> BTreeSet<String> {
    // Anonymous device numbers (major 0: btrfs, overlay) have no sysfs node; fall back to
    // the device named as the mount's source.
    let dev = root.dev.filter(|d| d.major != 0).or_else(|| {
        let meta = fs::metadata(host.path(&root.source)).ok()?;
        meta.file_type()
            .is_block_device()
            .then(|| DevNum::of(meta.rdev()))
    });
    let mut disks = BTreeSet::new();
    let mut todo: Vec<PathBuf> = dev.and_then(|d| sysfs_node(host, d)).into_iter().collect();
    for _ in 0..MAX_LAYERS {
        let mut next = Vec::new();
        for node in todo {
            let disk_dir = if node.join("partition").exists() {
                node.parent().map(Path::to_path_buf).unwrap_or(node)
            } else {
                node
            };
            let slaves = fs::read_dir(disk_dir.join("slaves"))
                .into_iter()
                .flatten()
                .flatten();
            next.extend(slaves.filter_map(|s| fs::canonicalize(s.path()).ok()));
            disks.insert(file_name(&disk_dir));
        }
        if next.is_empty() {
            break;
        }
        todo = next;
    }
    disks
}

/// The first mounted disk or partition: its device and mount point.
fn mounted_member(
    host: &Host,
    mountinfo: &str,
    members: &[(DevNum, String)],
) -> Option<(String, String)> {
    let by_number = mountinfo.lines().filter_map(parse_mountinfo).find_map(|m| {
        let (_, name) = members.iter().find(|(dev, _)| Some(*dev) == m.dev)?;
        Some((format!("/dev/{name}"), m.mount_point))
    });
    if by_number.is_some() {
        return by_number;
    }

    let mounts = read_trimmed(&host.path("/proc/self/mounts")).unwrap_or_default();
    mounts.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let source = unescape(fields.next()?);
        let mount_point = unescape(fields.next()?);
        if !source.starts_with("/dev/") {
            return None;
        }
        let path = host.path(&source);
        let by_name = fs::canonicalize(&path).ok().map(|p| file_name(&p));
        let by_dev = fs::metadata(&path)
            .ok()
            .filter(|m| m.file_type().is_block_device())
            .map(|m| DevNum::of(m.rdev()));
        let leaf = source.rsplit('/').next().unwrap_or_default().to_owned();
        members
            .iter()
            .any(|(dev, name)| {
                Some(*dev) == by_dev || Some(name) == by_name.as_ref() || *name == leaf
            })
            .then_some((source, mount_point))
    })
}

/// The fields of one mountinfo line that the checks use.
struct MountInfo {
    dev: Option<DevNum>,
    mount_point: String,
    source: String,
}

/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
fn parse_mountinfo(line: &str) -> Option<MountInfo> {
    let (left, right) = line.split_once(" - ")?;
    let mut fields = left.split(' ');
    let dev = DevNum::parse(fields.nth(2)?);
    let mount_point = unescape(fields.nth(1)?);
    let source = unescape(right.split(' ').nth(1).unwrap_or_default());
    Some(MountInfo {
        dev,
        mount_point,
        source,
    })
}

/// Undoes the octal escapes (`\040` for a space) of /proc mount tables.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            let text = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(text, 8).ok()
        });
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A fake /sys and /proc: `vda` (root, 254:0, with vda1) and `sdb` (8:16, with sdb1 8:17
    /// and sdb2 8:18), plus `dm-0` (253:0) on top of `sdc` (8:32).
    struct Fake {
        root: PathBuf,
    }

    impl Fake {
        fn new(test: &str) -> Self {
            let root =
                std::env::temp_dir().join(format!("bsp-target-{}-{test}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            let fake = Self { root };
            fake.disk("vda", "254:0", "0", &[("vda1", "254:1")]);
            fake.disk("sdb", "8:16", "1", &[("sdb1", "8:17"), ("sdb2", "8:18")]);
            fake.disk("sdc", "8:32", "0", &[]);
            fake.disk("dm-0", "253:0", "0", &[]);
            let slaves = fake.root.join("sys/devices/virtual/block/dm-0/slaves");
            fake.mkdir(&slaves);
            let _ = symlink("../../../../pci0/block/sdc", slaves.join("sdc"));
            fake.mounts("254:0 / / rw - ext4 /dev/vda rw", "/dev/vda / ext4 rw 0 0");
            fake
        }

        fn mkdir(&self, dir: &Path) {
            fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }

        fn write(&self, path: &Path, text: &str) {
            fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }

        fn disk(&self, name: &str, dev: &str, removable: &str, parts: &[(&str, &str)]) {
            let class = if name.starts_with("dm-") {
                "virtual"
            } else {
                "pci0"
            };
            let dir = self.root.join(format!("sys/devices/{class}/block/{name}"));
            self.mkdir(&dir);
            self.write(&dir.join("dev"), dev);
            self.write(&dir.join("removable"), removable);
            self.write(&dir.join("size"), "31116288");
            self.link(dev, &format!("../../devices/{class}/block/{name}"));
            for (part, part_dev) in parts {
                let part_dir = dir.join(part);
                self.mkdir(&part_dir);
                self.write(&part_dir.join("dev"), part_dev);
                self.write(&part_dir.join("partition"), "1");
                self.write(&part_dir.join("size"), "1000");
                self.link(
                    part_dev,
                    &format!("../../devices/{class}/block/{name}/{part}"),
                );
            }
        }

        fn link(&self, dev: &str, target: &str) {
            let dir = self.root.join("sys/dev/block");
            self.mkdir(&dir);
            let _ = symlink(target, dir.join(dev));
        }

        /// Sets the root mount's mountinfo fields and the mounts table.
        fn mounts(&self, root_line: &str, mounts: &str) {
            let proc = self.root.join("proc/self");
            self.mkdir(&proc);
            let info = format!("22 27 0:21 / /proc rw - proc proc rw\n27 1 {root_line}\n");
            self.write(&proc.join("mountinfo"), &info);
            self.write(
                &proc.join("mounts"),
                &format!("proc /proc proc rw 0 0\n{mounts}\n"),
            );
        }

        fn check(&self, dev: &str, force: bool) -> Result<Block, String> {
            let dev = DevNum::parse(dev).unwrap_or_else(|| panic!("bad dev"));
            check_block(&Host::at(&self.root), "/dev/x", dev, 1 << 20, force)
        }
    }

    impl Drop for Fake {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn removable_unmounted_card_passes() {
        let fake = Fake::new("ok");
        let block = fake.check("8:16", false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(block.disk, "sdb");
        assert!(block.removable);
        assert_eq!(block.size, 31116288 * 512);
    }

    #[test]
    fn root_disk_and_its_partitions_are_refused() {
        let fake = Fake::new("root");
        let err = fake.check("254:0", true).err().unwrap_or_default();
        assert_eq!(
            err,
            "/dev/x holds the running system's root file system (/ is on /dev/vda, disk vda)"
        );
        let err = fake.check("254:1", true).err().unwrap_or_default();
        assert!(err.contains("disk vda)"), "{err}");
    }

    #[test]
    fn root_on_device_mapper_guards_the_disk_below() {
        let fake = Fake::new("dm");
        fake.mounts(
            "253:0 / / rw - ext4 /dev/mapper/vg-root rw",
            "/dev/mapper/vg-root / ext4 rw 0 0",
        );
        let err = fake.check("8:32", true).err().unwrap_or_default();
        assert!(err.contains("holds the running system's root"), "{err}");
    }

    #[test]
    fn mounted_partition_is_refused() {
        let fake = Fake::new("mounted");
        fake.mounts(
            "254:0 / / rw - ext4 /dev/vda rw\n\
             40 27 8:18 / /media/card\\040root rw - ext4 /dev/sdb2 rw",
            "/dev/vda / ext4 rw 0 0\n/dev/sdb2 /media/card\\040root ext4 rw 0 0",
        );
        let err = fake.check("8:16", false).err().unwrap_or_default();
        assert_eq!(
            err,
            "/dev/x is in use: /dev/sdb2 is mounted on /media/card root (unmount it first)"
        );
    }

    #[test]
    fn mount_by_name_with_anonymous_device_is_refused() {
        let fake = Fake::new("btrfs");
        fake.mounts(
            "254:0 / / rw - ext4 /dev/vda rw\n40 27 0:55 / /mnt rw - btrfs /dev/sdb1 rw",
            "/dev/vda / ext4 rw 0 0\n/dev/sdb1 /mnt btrfs rw 0 0",
        );
        let err = fake.check("8:16", false).err().unwrap_or_default();
        assert!(err.contains("/dev/sdb1 is mounted on /mnt"), "{err}");
    }

    #[test]
    fn fixed_disk_needs_force() {
        let fake = Fake::new("fixed");
        let err = fake.check("8:32", false).err().unwrap_or_default();
        assert_eq!(
            err,
            "/dev/x is not removable (/sys/block/sdc/removable is 0): pass --force if it is \
             the card"
        );
        assert!(fake.check("8:32", true).is_ok());
    }

    #[test]
    fn small_device_is_refused() {
        let fake = Fake::new("small");
        // sdb1 is 1000 sectors, the image 1 MiB.
        let err = fake.check("8:17", false).err().unwrap_or_default();
        assert_eq!(
            err,
            "/dev/x is too small: 512000 bytes, the image needs 1048576"
        );
    }

    #[test]
    fn unknown_device_number() {
        let fake = Fake::new("unknown");
        let err = fake.check("9:9", true).err().unwrap_or_default();
        assert_eq!(err, "/dev/x: no 9:9 in /sys/dev/block");
    }

    #[test]
    fn regular_file_target() {
        let dir = std::env::temp_dir().join(format!("bsp-target-{}-file", std::process::id()));
        let _ = fs::create_dir_all(&dir);
        let file = dir.join("card.img");
        let missing = dir.join("missing.img");
        fs::write(&file, b"abc").unwrap_or_else(|e| panic!("{e}"));
        let host = Host::system();
        let target = inspect(&file, &host, 1 << 30, false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target.kind, Kind::File);
        assert_eq!(target.size, 3);
        let err = inspect(&missing, &host, 1, false).err().unwrap_or_default();
        assert!(err.ends_with("does not exist (a regular file as target must be created first)"));
        let err = inspect(&dir, &host, 1, false).err().unwrap_or_default();
        assert!(
            err.ends_with("is neither a block device nor a regular file"),
            "{err}"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn mount_table_escapes() {
        assert_eq!(unescape("/media/my\\040card"), "/media/my card");
        assert_eq!(unescape("a\\\\b"), "a\\\\b");
        assert_eq!(unescape("tab\\011x"), "tab\tx");
    }
}
