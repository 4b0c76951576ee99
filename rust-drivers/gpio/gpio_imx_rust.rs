// SPDX-License-Identifier: GPL-2.0

//! i.MX GPIO controller driver.
//!
//! Each bank of the i.MX31, i.MX35 and later GPIO block (i.MX 8M Plus: GPIO1 to GPIO5) drives
//! 32 pads through the DR, GDIR and PSR registers. The register layout comes from the OF match
//! data, as in gpio-mxc. Lines are registered with gpiolib, which provides the character device
//! and pin-control routing through `gpio-ranges`.
//!
//! Limitations:
//! - No interrupts yet: the bank's interrupt lines are checked at probe, all bank interrupts
//!   are masked and acknowledged, but no irq_chip is registered.
//! - No suspend/resume, wake-up sources or runtime PM: register state is lost over a power-off
//!   of the bank.
//! - i.MX1 and i.MX21 banks use another layout and are not supported.

use kernel::{
    clk::OptionalClk,
    device::Core,
    gpio,
    io::{
        mem::DevresIoMem,
        Io, //
    },
    new_spinlock_irq, of, platform,
    prelude::*,
    sync::{
        Arc,
        Mutex,
        SpinLockIrq, //
    },
};

#[path = "imx_gpio_hw.rs"]
mod hw;

use hw::Layout;

kernel::sync::global_lock! {
    // SAFETY: Initialised in `GpioImxModule::init`, before the driver can bind.
    unsafe(uninit) static BANKS: Mutex<KVec<Arc<Bank>>> = KVec::new();
}

/// Shadows of the output registers, so that a line change is one MMIO write.
struct Shadow {
    dr: u32,
    gdir: u32,
}

/// One bound GPIO bank.
#[pin_data]
struct Bank {
    regs: DevresIoMem<{ hw::WINDOW }>,
    layout: &'static Layout,
    #[pin]
    shadow: SpinLockIrq<Shadow>,
}

impl Bank {
    fn read(&self, reg: usize) -> Result<u32> {
        self.regs.try_access().ok_or(ENXIO)?.try_read32(reg)
    }

    fn write(&self, reg: usize, value: u32) -> Result {
        self.regs.try_access().ok_or(ENXIO)?.try_write32(value, reg)
    }

    /// Masks and acknowledges every interrupt of the bank, as nothing handles them yet.
    fn quiesce(&self) -> Result {
        self.write(self.layout.imr, 0)?;
        self.write(self.layout.isr, u32::MAX)
    }
}

/// The gpiolib view of a bank.
struct BankChip(Arc<Bank>);

#[vtable]
impl gpio::Chip for BankChip {
    fn get_direction(&self, offset: u32) -> Result<gpio::Direction> {
        let gdir = self.0.shadow.lock().gdir;

        Ok(if gdir & hw::bit(offset) != 0 {
            gpio::Direction::Output
        } else {
            gpio::Direction::Input
        })
    }

    fn direction_input(&self, offset: u32) -> Result {
        let bank = &self.0;
        let mut shadow = bank.shadow.lock();

        shadow.gdir = hw::with_line(shadow.gdir, offset, false);
        bank.write(bank.layout.gdir, shadow.gdir)
    }

    fn direction_output(&self, offset: u32, value: bool) -> Result {
        let bank = &self.0;
        let mut shadow = bank.shadow.lock();

        // Level first, then direction: the pad never drives a stale level.
        shadow.dr = hw::with_line(shadow.dr, offset, value);
        bank.write(bank.layout.dr, shadow.dr)?;
        shadow.gdir = hw::with_line(shadow.gdir, offset, true);
        bank.write(bank.layout.gdir, shadow.gdir)
    }

    fn get(&self, offset: u32) -> Result<bool> {
        Ok(self.levels()? & hw::bit(offset) != 0)
    }

    fn set(&self, offset: u32, value: bool) -> Result {
        let bank = &self.0;
        let mut shadow = bank.shadow.lock();

        shadow.dr = hw::with_line(shadow.dr, offset, value);
        bank.write(bank.layout.dr, shadow.dr)
    }

    fn get_multiple(&self, mask: &[usize], bits: &mut [usize]) -> Result {
        let mask = mask.first().copied().unwrap_or(0) as u32;
        let word = bits.first_mut().ok_or(EINVAL)?;

        *word = (*word & !(mask as usize)) | (self.levels()? & mask) as usize;
        Ok(())
    }

    fn set_multiple(&self, mask: &[usize], bits: &[usize]) -> Result {
        let bank = &self.0;
        let mask = mask.first().copied().unwrap_or(0) as u32;
        let bits = bits.first().copied().unwrap_or(0) as u32;
        let mut shadow = bank.shadow.lock();

        shadow.dr = hw::merge(shadow.dr, mask, bits);
        bank.write(bank.layout.dr, shadow.dr)
    }
}

impl BankChip {
    /// Line levels: outputs from the DR shadow, inputs from the pads.
    fn levels(&self) -> Result<u32> {
        let bank = &self.0;
        let psr = bank.read(bank.layout.psr)?;
        let shadow = bank.shadow.lock();

        Ok(hw::levels(shadow.dr, psr, shadow.gdir))
    }
}

/// Driver data of a bound bank.
#[pin_data(PinnedDrop)]
struct GpioImx {
    bank: Arc<Bank>,
    clk: OptionalClk,
}

#[pinned_drop]
impl PinnedDrop for GpioImx {
    fn drop(self: Pin<&mut Self>) {
        BANKS.lock().retain(|bank| !Arc::ptr_eq(bank, &self.bank));
        self.clk.disable_unprepare();
    }
}

kernel::of_device_table!(
    OF_TABLE,
    <GpioImx as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"fsl,imx31-gpio"), &hw::IMX31),
        (of::DeviceId::new(c"fsl,imx35-gpio"), &hw::IMX35),
        (of::DeviceId::new(c"fsl,imx7d-gpio"), &hw::IMX35),
        (of::DeviceId::new(c"fsl,imx8mp-gpio"), &hw::IMX35),
        (of::DeviceId::new(c"fsl,imx8dxl-gpio"), &hw::IMX35),
        (of::DeviceId::new(c"fsl,imx8qm-gpio"), &hw::IMX35),
        (of::DeviceId::new(c"fsl,imx8qxp-gpio"), &hw::IMX35),
    ]
);

impl platform::Driver for GpioImx {
    type IdInfo = &'static Layout;
    type Data<'bound> = Self;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        layout: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self, Error> + 'bound {
        let dev = pdev.as_ref();
        let layout = *layout.ok_or(ENODEV)?;

        let Some(request) = pdev.io_request_by_index(0) else {
            dev_err!(dev, "no register window (reg)\n");
            return Err(EINVAL);
        };
        let regs = request.iomap_sized::<{ hw::WINDOW }>().inspect_err(|e| {
            dev_err!(dev, "cannot map registers (reg): {e:?}\n");
        })?;

        // Lines 0-15 and 16-31 have their own parent interrupt on i.MX35 and later.
        pdev.irq_by_index(0).inspect_err(|_| {
            dev_err!(dev, "missing parent interrupt for lines 0-15 (interrupts)\n");
        })?;

        let clk = OptionalClk::get(dev, None)?;
        clk.prepare_enable()?;

        let regs = regs.into_devres()?;
        let dr = regs.try_access().ok_or(ENXIO)?.try_read32(layout.dr)?;
        let gdir = regs.try_access().ok_or(ENXIO)?.try_read32(layout.gdir)?;

        let bank = Arc::pin_init(
            try_pin_init!(Bank {
                regs,
                layout,
                shadow <- new_spinlock_irq!(Shadow { dr, gdir }, "gpio_imx_shadow"),
            }),
            GFP_KERNEL,
        )?;
        bank.quiesce()?;

        let options = gpio::Options {
            label: dev.name(),
            ngpio: hw::LINES as u16,
            pin_ranges: dev.fwnode().is_some_and(|n| n.property_present(c"gpio-ranges")),
        };
        gpio::Registration::register(dev, options, BankChip(bank.clone()))?;

        BANKS.lock().push(bank.clone(), GFP_KERNEL)?;

        Ok(GpioImx { bank, clk })
    }
}

#[pin_data]
struct GpioImxModule {
    #[pin]
    _driver: kernel::driver::Registration<platform::Adapter<GpioImx>>,
}

impl kernel::InPlaceModule for GpioImxModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        // SAFETY: Module init runs once, before the driver is registered and can use `BANKS`.
        unsafe { BANKS.init() };

        try_pin_init!(Self {
            _driver <- kernel::driver::Registration::new(
                <Self as kernel::ModuleMetadata>::NAME,
                module,
            ),
        })
    }
}

kernel::prelude::module! {
    type: GpioImxModule,
    name: "gpio_imx_rust",
    authors: ["Rust BSP developers"],
    description: "i.MX GPIO controller driver",
    license: "GPL v2",
}

#[cfg(CONFIG_GPIO_IMX_RUST_KUNIT_TEST)]
#[kunit_tests(gpio_imx_rust)]
mod tests {
    use super::*;

    /// A line that no i.MX 8M Plus pad is routed to, so tests can drive it freely.
    const SPARE_LINE: u32 = 31;

    fn banks() -> Result<KVec<Arc<Bank>>> {
        let mut copy = KVec::new();
        for bank in BANKS.lock().iter() {
            copy.push(bank.clone(), GFP_KERNEL)?;
        }
        Ok(copy)
    }

    #[test]
    fn banks_are_bound() -> Result {
        assert!(!banks()?.is_empty());
        Ok(())
    }

    #[test]
    fn interrupts_masked_after_probe() -> Result {
        for bank in banks()?.iter() {
            assert_eq!(bank.read(bank.layout.imr)?, 0);
        }
        Ok(())
    }

    #[test]
    fn shadows_match_hardware() -> Result {
        for bank in banks()?.iter() {
            let (dr, gdir) = {
                let shadow = bank.shadow.lock();
                (shadow.dr, shadow.gdir)
            };
            assert_eq!(bank.read(bank.layout.gdir)?, gdir);
            assert_eq!(bank.read(bank.layout.dr)? & gdir, dr & gdir);
        }
        Ok(())
    }

    #[test]
    fn output_line_drives_data_register() -> Result {
        use kernel::gpio::Chip;

        for bank in banks()?.iter() {
            let chip = BankChip(bank.clone());
            let was_output = chip.get_direction(SPARE_LINE)? == gpio::Direction::Output;

            chip.direction_output(SPARE_LINE, true)?;
            assert_ne!(bank.read(bank.layout.gdir)? & hw::bit(SPARE_LINE), 0);
            assert_ne!(bank.read(bank.layout.dr)? & hw::bit(SPARE_LINE), 0);
            assert!(chip.get(SPARE_LINE)?);

            chip.set(SPARE_LINE, false)?;
            assert_eq!(bank.read(bank.layout.dr)? & hw::bit(SPARE_LINE), 0);
            assert!(!chip.get(SPARE_LINE)?);

            if !was_output {
                chip.direction_input(SPARE_LINE)?;
                assert_eq!(bank.read(bank.layout.gdir)? & hw::bit(SPARE_LINE), 0);
            }
        }
        Ok(())
    }
}
