// SPDX-License-Identifier: GPL-2.0

//! `bsp flash IMAGE DEVICE`: writes an SD-card image through its block map, like
//! `bmaptool copy`.
//!
//! Only the ranges the bmap lists are written (`IMAGE.bmap` beside the image unless `--bmap`
//! names another file; without one the command refuses unless `--nobmap`, which writes every
//! byte). Everything that can be checked is checked before the first byte is written, and
//! each failure is one line with exit status 2: the bmap's own checksum and ranges
//! ([`bmap`]), the target ([`target`]: root disk, mounted, removable, size), every range of
//! the image against its checksum ([`copy`]), then a confirmation, asked on the terminal
//! unless `--yes` (without a terminal, `--yes` is required). A block device is then opened
//! with `O_EXCL`, which the kernel refuses while anything holds it. After writing, the target
//! is flushed and every range read back and compared; a failure from the first write on is
//! exit status 1, because the card is then in an unknown state.
//!
//! Limitations: images must be uncompressed local files; bmap signatures (`--bmap-sig`) are
//! not supported; unmapped ranges are left as they were on the card (as bmaptool does), so
//! they read as zeros only on a new target file.

pub mod bmap;
pub mod copy;
pub mod target;

use std::{
    fmt,
    fs::{File, OpenOptions},
    io::{self, BufRead, IsTerminal, Write},
    os::unix::fs::{MetadataExt, OpenOptionsExt},
    path::PathBuf,
    time::Instant,
};

use nix::fcntl::OFlag;

use self::{
    bmap::Map,
    target::{Host, Kind, Target},
};

/// Progress is printed each time this share of the mapped bytes (in percent) is done.
const PROGRESS_STEP: u64 = 10;

#[derive(clap::Args)]
pub struct Args {
    /// The image to write (uncompressed).
    image: PathBuf,

    /// The card: a block device such as /dev/sdb, or an existing regular file.
    device: PathBuf,

    /// The image's block map [default: IMAGE.bmap].
    #[arg(long, value_name = "FILE", conflicts_with = "nobmap")]
    bmap: Option<PathBuf>,

    /// Write the whole image without a block map.
    #[arg(long)]
    nobmap: bool,

    /// Write to a disk even if it does not say it is removable.
    #[arg(long)]
    force: bool,

    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

/// Why `bsp flash` stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Nothing was written.
    Refused(String),
    /// Writing began; the target's contents are unknown.
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(m) | Self::Failed(m) => f.write_str(m),
        }
    }
}

/// Runs `bsp flash`.
pub fn run(args: &Args) -> Result<(), Error> {
    let image_name = args.image.display().to_string();
    let device_name = args.device.display().to_string();

    let map = match bmap_path(args)? {
        Some(path) => Some(bmap::load(&path).map_err(Error::Refused)?),
        None => None,
    };
    let mut image = File::open(&args.image)
        .map_err(|e| Error::Refused(format!("cannot open image {image_name}: {e}")))?;
    let image_meta = image
        .metadata()
        .map_err(|e| Error::Refused(format!("cannot look at image {image_name}: {e}")))?;
    let map = map.unwrap_or_else(|| Map::whole(image_meta.len()));
    if image_meta.len() < map.image_size {
        return Err(Error::Refused(format!(
            "image {image_name} is {} bytes, its bmap says {}",
            image_meta.len(),
            map.image_size
        )));
    }

    let target = target::inspect(&args.device, &Host::system(), map.image_size, args.force)
        .map_err(Error::Refused)?;
    if target.identity == (image_meta.dev(), image_meta.ino()) {
        return Err(Error::Refused(format!("{device_name} is the image itself")));
    }

    if !args.nobmap {
        println!(
            "checking {image_name}: {} ranges, {} bytes",
            map.ranges.len(),
            map.mapped_bytes()
        );
        copy::verify_image(&mut image, &map, &image_name).map_err(Error::Refused)?;
    }
    confirm(args, &target, &map)?;

    let mut out = open_target(&target, map.image_size)?;
    write_and_verify(&mut image, &mut out, &map, &device_name).map_err(Error::Failed)
}

/// The bmap to use: `--bmap`, else IMAGE.bmap; `None` with `--nobmap`.
fn bmap_path(args: &Args) -> Result<Option<PathBuf>, Error> {
    if args.nobmap {
        return Ok(None);
    }
    if let Some(path) = &args.bmap {
        return Ok(Some(path.clone()));
    }
    let mut beside = args.image.clone().into_os_string();
    beside.push(".bmap");
    let beside = PathBuf::from(beside);
    if beside.exists() {
        Ok(Some(beside))
    } else {
        Err(Error::Refused(format!(
            "no bmap for {} (looked for {}): name one with --bmap, or pass --nobmap to write \
             every byte",
            args.image.display(),
            beside.display()
        )))
    }
}

/// Asks on the terminal unless `--yes`.
fn confirm(args: &Args, target: &Target, map: &Map) -> Result<(), Error> {
    if args.yes {
        return Ok(());
    }
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::Refused(
            "standard input is not a terminal: pass --yes to write without asking".to_owned(),
        ));
    }
    eprint!(
        "Write {} ({} bytes in {} ranges) to {} ({target})? Its contents will be lost. [y/N] ",
        args.image.display(),
        map.mapped_bytes(),
        map.ranges.len(),
        args.device.display()
    );
    let _ = io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Refused(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Error::Refused("not confirmed: nothing written".to_owned())),
    }
}

/// Opens the target for writing: a block device exclusively, a file grown to the image.
fn open_target(target: &Target, image_size: u64) -> Result<File, Error> {
    let name = target.path.display();
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if matches!(target.kind, Kind::Block(_)) {
        options.custom_flags(OFlag::O_EXCL.bits());
    }
    let file = options.open(&target.path).map_err(|e| {
        Error::Refused(match e.raw_os_error() {
            Some(code) if code == nix::errno::Errno::EBUSY as i32 => {
                format!("{name} is busy: mounted, used as swap or held by another driver")
            }
            _ => format!("cannot open {name} for writing: {e}"),
        })
    })?;
    if target.kind == Kind::File && target.size < image_size {
        file.set_len(image_size)
            .map_err(|e| Error::Refused(format!("cannot grow {name} to the image size: {e}")))?;
    }
    Ok(file)
}

/// Writes, flushes, reads back, and prints progress and the summary.
fn write_and_verify(
    image: &mut File,
    out: &mut File,
    map: &Map,
    device_name: &str,
) -> Result<(), String> {
    let total = map.mapped_bytes();
    let count = map.ranges.len();
    let started = Instant::now();
    let mut next_step = PROGRESS_STEP;
    let written = copy::write(image, out, map, |range, done| {
        let percent = done.saturating_mul(100).checked_div(total).unwrap_or(100);
        if percent >= next_step {
            println!(
                "  {percent:3}%  {:.1} MiB of {:.1} MiB, range {} of {count}",
                mib(done),
                mib(total),
                range + 1
            );
            next_step = (percent / PROGRESS_STEP + 1) * PROGRESS_STEP;
        }
    })?;
    copy::sync(out)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "wrote {total} bytes ({:.1} MiB) in {count} ranges to {device_name} in {seconds:.1} s, \
         {:.1} MB/s",
        mib(total),
        total as f64 / 1e6 / seconds.max(1e-6)
    );

    let started = Instant::now();
    copy::read_back(out, map, &written)?;
    println!(
        "read back and verified {count} ranges in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 20)
}
