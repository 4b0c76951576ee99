// SPDX-License-Identifier: GPL-2.0

//! The targets `--chip` may name: probe-rs's built-in ones, our i.MX 8M Plus description
//! (`imx8mp.yaml`, chip `MIMX8ML8`), and any family from `--chip-description`.
//!
//! Limitations: the i.MX 8M Plus description has not been tried on a board; its debug and
//! CTI bases come from OpenOCD's configuration for the SoC, not from a probe-rs run.

use std::{fs, path::Path};

use probe_rs::config::{MemoryRegion, Registry, Target};

use crate::region::Region;

/// Our description of the i.MX 8M Plus.
const IMX8MP_YAML: &str = include_str!("imx8mp.yaml");

/// The chip name of the i.MX 8M Plus EVK's SoC in [`IMX8MP_YAML`].
pub const IMX8MP: &str = "MIMX8ML8";

/// Built-in targets, ours, and the family in `extra` if given.
pub fn registry(extra: Option<&Path>) -> Result<Registry, String> {
    let mut registry = Registry::from_builtin_families();
    registry
        .add_target_family_from_yaml(IMX8MP_YAML)
        .map_err(|e| format!("bad built-in i.MX 8M Plus description: {e}"))?;
    if let Some(path) = extra {
        let yaml = fs::read_to_string(path)
            .map_err(|e| format!("cannot read chip description {}: {e}", path.display()))?;
        registry
            .add_target_family_from_yaml(&yaml)
            .map_err(|e| format!("chip description {}: {e}", path.display()))?;
    }
    Ok(registry)
}

/// Looks up `name`; the error says where the names come from.
pub fn target(registry: &Registry, name: &str) -> Result<Target, String> {
    registry.get_target_by_name(name).map_err(|e| {
        format!(
            "cannot use chip {name:?}: {e} (name a probe-rs target, {IMX8MP} for the \
             i.MX 8M Plus, or one from --chip-description FILE)"
        )
    })
}

/// Refuses a region that is not wholly inside one RAM region of the target.
pub fn check_ram(target: &Target, region: &Region) -> Result<(), String> {
    let ram: Vec<_> = target
        .memory_map
        .iter()
        .filter_map(|r| match r {
            MemoryRegion::Ram(ram) => Some(ram.range.clone()),
            _ => None,
        })
        .collect();
    if ram
        .iter()
        .any(|r| r.start <= region.address && region.end() <= r.end)
    {
        return Ok(());
    }
    let known: Vec<String> = ram
        .iter()
        .map(|r| format!("0x{:x}-0x{:x}", r.start, r.end - 1))
        .collect();
    Err(format!(
        "{region} is not inside the RAM of {} ({})",
        target.name,
        if known.is_empty() {
            "none described".to_owned()
        } else {
            known.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use probe_rs::CoreType;

    use super::*;

    #[test]
    fn imx8mp_description_loads() {
        let registry = registry(None).unwrap_or_else(|e| panic!("{e}"));
        let target = target(&registry, IMX8MP).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target.cores.len(), 4);
        assert!(target.cores.iter().all(|c| c.core_type == CoreType::Armv8a));
        let region = Region::new(0x9000_0000, 0x8_0000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(check_ram(&target, &region), Ok(()));
    }

    #[test]
    fn region_outside_ram_is_refused() {
        let registry = registry(None).unwrap_or_else(|e| panic!("{e}"));
        let target = target(&registry, IMX8MP).unwrap_or_else(|e| panic!("{e}"));
        let region = Region::new(0x3ff0_0000, 0x20_0000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            check_ram(&target, &region),
            Err(
                "0x3ff00000-0x400fffff is not inside the RAM of MIMX8ML8 (0x40000000-0x1bfffffff)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn unknown_chip_is_named() {
        let registry = registry(None).unwrap_or_else(|e| panic!("{e}"));
        let err = target(&registry, "IMX9000").err().unwrap_or_default();
        assert!(err.starts_with("cannot use chip \"IMX9000\": "), "{err}");
    }

    #[test]
    fn missing_description_file() {
        let err = registry(Some(Path::new("/nonexistent/chip.yaml")))
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("cannot read chip description /nonexistent/chip.yaml"));
    }
}
