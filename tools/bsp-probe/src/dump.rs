// SPDX-License-Identifier: GPL-2.0

//! Finding a probe, attaching to the target and reading its memory.
//!
//! Memory is read one of two ways. Through a memory access port (`--ap N`), the read goes
//! straight onto the system bus: physical addresses, and the cores keep running. Through a
//! core (the default, `--core N`), the core is halted if it runs, the memory read as that
//! core sees it, and the core resumed; on a core with its MMU on (Linux, U-Boot) those are
//! virtual addresses, so a physical region such as ramoops needs the access-port way. On the
//! i.MX 8M Plus that is the AHB-AP, `--ap 0`.
//!
//! Limitations: only ADIv5 access ports (`--ap` is an AP index); one probe, one target.

use std::{fmt, time::Duration};

use probe_rs::{
    architecture::arm::FullyQualifiedApAddress,
    config::Registry,
    probe::{list::Lister, DebugProbeInfo, DebugProbeSelector, Probe, WireProtocol},
    MemoryInterface, Permissions, Session,
};

use crate::region::Region;

/// How long a core may take to halt.
const HALT_TIMEOUT: Duration = Duration::from_millis(500);

/// Bytes read per request.
const CHUNK: usize = 1 << 20;

/// Which path the read takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A memory access port, by index.
    AccessPort(u8),
    /// A core, by index.
    Core(usize),
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccessPort(ap) => write!(f, "AP {ap}"),
            Self::Core(core) => write!(f, "core {core}"),
        }
    }
}

/// How to reach the target.
pub struct Connection<'a> {
    pub selector: Option<&'a DebugProbeSelector>,
    pub protocol: WireProtocol,
    pub speed_khz: Option<u32>,
    pub chip: &'a str,
    pub registry: &'a Registry,
}

/// The attached probes.
pub fn list() -> Vec<DebugProbeInfo> {
    Lister::new().list_all()
}

/// Opens the probe `selector` names, or the only one attached.
fn open(selector: Option<&DebugProbeSelector>) -> Result<Probe, String> {
    let lister = Lister::new();
    if let Some(selector) = selector {
        return lister
            .open(selector.clone())
            .map_err(|e| format!("cannot open debug probe {selector}: {e}"));
    }
    let probes = lister.list_all();
    match probes.as_slice() {
        [] => Err("no debug probes found".to_owned()),
        [only] => only
            .open()
            .map_err(|e| format!("cannot open debug probe {only}: {e}")),
        many => Err(format!(
            "{} debug probes found: pick one with --probe VID:PID[:SERIAL]",
            many.len()
        )),
    }
}

/// Attaches to the target without resetting it.
pub fn attach(connection: &Connection<'_>) -> Result<Session, String> {
    let mut probe = open(connection.selector)?;
    probe
        .select_protocol(connection.protocol)
        .map_err(|e| format!("probe cannot speak {}: {e}", connection.protocol))?;
    if let Some(khz) = connection.speed_khz {
        probe
            .set_speed(khz)
            .map_err(|e| format!("probe cannot run at {khz} kHz: {e}"))?;
    }
    probe
        .attach_with_registry(connection.chip, Permissions::default(), connection.registry)
        .map_err(|e| format!("cannot attach to {}: {e}", connection.chip))
}

/// Reads `region` through `via`.
pub fn read(session: &mut Session, region: &Region, via: Via) -> Result<Vec<u8>, String> {
    let size = usize::try_from(region.size).map_err(|_| format!("{region} is too large"))?;
    let mut data = vec![0u8; size];
    match via {
        Via::AccessPort(ap) => {
            let interface = session
                .get_arm_interface()
                .map_err(|e| format!("no ARM debug interface: {e}"))?;
            let mut memory = interface
                .memory_interface(&FullyQualifiedApAddress::v1_with_default_dp(ap))
                .map_err(|e| format!("AP {ap} is no memory access port: {e}"))?;
            read_chunks(region, &mut data, |address, chunk| {
                memory.read(address, chunk).map_err(|e| e.to_string())
            })?;
        }
        Via::Core(index) => {
            let mut core = session
                .core(index)
                .map_err(|e| format!("no core {index}: {e}"))?;
            let was_halted = core
                .core_halted()
                .map_err(|e| format!("core {index} does not answer: {e}"))?;
            if !was_halted {
                core.halt(HALT_TIMEOUT)
                    .map_err(|e| format!("cannot halt core {index}: {e}"))?;
            }
            let result = read_chunks(region, &mut data, |address, chunk| {
                core.read(address, chunk).map_err(|e| e.to_string())
            });
            if !was_halted {
                core.run()
                    .map_err(|e| format!("cannot resume core {index}: {e}"))?;
            }
            result?;
        }
    }
    Ok(data)
}

/// Reads `data` in pieces so that an error names the address where it happened.
fn read_chunks(
    region: &Region,
    data: &mut [u8],
    mut read: impl FnMut(u64, &mut [u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut address = region.address;
    for chunk in data.chunks_mut(CHUNK) {
        read(address, chunk).map_err(|e| format!("cannot read 0x{address:x}: {e}"))?;
        address += chunk.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_region_and_name_the_failing_address() {
        let region =
            Region::new(0x4000_0000, (CHUNK * 2 + 3) as u64).unwrap_or_else(|e| panic!("{e}"));
        let mut data = vec![0u8; CHUNK * 2 + 3];
        let mut seen = Vec::new();
        let result = read_chunks(&region, &mut data, |address, chunk| {
            seen.push((address, chunk.len()));
            chunk.fill(1);
            Ok(())
        });
        assert_eq!(result, Ok(()));
        assert_eq!(
            seen,
            [
                (0x4000_0000, CHUNK),
                (0x4000_0000 + CHUNK as u64, CHUNK),
                (0x4000_0000 + 2 * CHUNK as u64, 3)
            ]
        );
        assert!(data.iter().all(|&b| b == 1));

        let result = read_chunks(&region, &mut data, |address, _| {
            if address > 0x4000_0000 {
                Err("fault".to_owned())
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err("cannot read 0x40100000: fault".to_owned()));
    }
}
