// SPDX-License-Identifier: GPL-2.0

//! i.MX GPIO controller driver.
//!
//! Each bank of the i.MX31, i.MX35 and later GPIO block (i.MX 8M Plus: GPIO1 to GPIO5) drives
//! 32 pads through the DR, GDIR and PSR registers and detects interrupts per line through
//! ICR1/ICR2 (level or edge), EDGE_SEL (both edges), IMR (mask) and ISR (status, write 1 to
//! clear). i.MX7 and i.MX8 banks signal lines 0-15 and 16-31 on two parent interrupts; older
//! banks use one. The register layout comes from the OF match data, as in gpio-mxc. Lines are
//! registered with gpiolib, which provides the character device and pin-control routing
//! through `gpio-ranges`.
//!
//! Limitations:
//! - No suspend/resume, wake-up sources or runtime PM: register state is lost over a power-off
//!   of the bank, and `irq_set_wake` is refused.
//! - i.MX1 and i.MX21 banks use another layout and are not supported, nor is the single
//!   interrupt shared by all banks of the i.MX2 family.

use kernel::{
    clk::OptionalClk,
    device::{
        property::NArgs,
        Core,
        Device, //
    },
    gpio,
    io::{
        mem::DevresIoMem,
        Io, //
    },
    irq::{
        self,
        Flow,
        IrqData,
        Trigger, //
    },
    new_raw_spinlock, of, platform,
    prelude::*,
    sync::{
        Arc,
        RawSpinLock, //
    },
};

// Shared with the host crate in `host/`, where its items are public API.
#[allow(unreachable_pub)]
#[path = "imx_gpio_hw.rs"]
mod hw;

use hw::Layout;

kernel::sync::global_lock! {
    // SAFETY: Initialised in `GpioImxModule::init`, before the driver can bind.
    unsafe(uninit) static BANKS: Mutex<KVec<Arc<Bank>>> = KVec::new();
}

/// What differs between SoC generations.
struct Variant {
    layout: Layout,
    /// Parent interrupts a bank must have.
    parent_irqs: u32,
}

const IMX31: Variant = Variant {
    layout: hw::IMX31,
    parent_irqs: 1,
};

const IMX35: Variant = Variant {
    layout: hw::IMX35,
    parent_irqs: 1,
};

/// i.MX7 and i.MX8: lines 16-31 have their own parent interrupt.
const IMX7: Variant = Variant {
    layout: hw::IMX35,
    parent_irqs: 2,
};

/// One bound GPIO bank.
#[pin_data]
struct Bank {
    regs: DevresIoMem<{ hw::WINDOW }>,
    layout: &'static Layout,
    /// Shared by the gpio_chip and irq_chip callbacks, hence a raw spinlock.
    #[pin]
    shadow: RawSpinLock<hw::Shadow>,
}

impl hw::Registers for Bank {
    type Error = Error;

    fn read(&self, offset: usize) -> Result<u32> {
        self.regs.try_access().ok_or(ENXIO)?.try_read32(offset)
    }

    fn write(&self, offset: usize, value: u32) -> Result {
        self.regs.try_access().ok_or(ENXIO)?.try_write32(value, offset)
    }
}

impl Bank {
    /// The hardware operations of this bank.
    fn ops(&self) -> hw::Bank<'_, Self> {
        hw::Bank {
            regs: self,
            layout: self.layout,
        }
    }

    /// Line levels: outputs from the DR shadow, inputs from the pads.
    fn levels(&self) -> Result<u32> {
        let pads = self.ops().pads()?;
        let shadow = self.shadow.lock();

        Ok(hw::levels(shadow.dr, pads, shadow.gdir))
    }
}

/// The gpiolib and irq core view of a bank.
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
        self.0.ops().direction_input(&mut self.0.shadow.lock(), offset)
    }

    fn direction_output(&self, offset: u32, value: bool) -> Result {
        self.0
            .ops()
            .direction_output(&mut self.0.shadow.lock(), offset, value)
    }

    fn get(&self, offset: u32) -> Result<bool> {
        Ok(self.0.levels()? & hw::bit(offset) != 0)
    }

    fn set(&self, offset: u32, value: bool) -> Result {
        self.0.ops().set(&mut self.0.shadow.lock(), offset, value)
    }

    fn get_multiple(&self, mask: &[usize], bits: &mut [usize]) -> Result {
        let mask = mask.first().copied().unwrap_or(0) as u32;
        let word = bits.first_mut().ok_or(EINVAL)?;

        *word = (*word & !(mask as usize)) | (self.0.levels()? & mask) as usize;
        Ok(())
    }

    fn set_multiple(&self, mask: &[usize], bits: &[usize]) -> Result {
        let mask = mask.first().copied().unwrap_or(0) as u32;
        let bits = bits.first().copied().unwrap_or(0) as u32;

        self.0
            .ops()
            .set_multiple(&mut self.0.shadow.lock(), mask, bits)
    }
}

#[vtable]
impl irq::IrqChip for BankChip {
    const NAME: &'static CStr = c"gpio-imx-rust";

    // The irq core gives these callbacks no way to fail; a revoked mapping (device gone)
    // leaves nothing to mask, so the error is dropped.
    fn mask(&self, irq: &IrqData) {
        let line = irq.hwirq() as u32;
        let _ = self
            .0
            .ops()
            .enable_irq(&mut self.0.shadow.lock(), line, false);
    }

    fn unmask(&self, irq: &IrqData) {
        let line = irq.hwirq() as u32;
        let _ = self
            .0
            .ops()
            .enable_irq(&mut self.0.shadow.lock(), line, true);
    }

    fn ack(&self, irq: &IrqData) {
        let _ = self.0.ops().ack(irq.hwirq() as u32);
    }

    fn set_type(&self, irq: &IrqData, trigger: Trigger) -> Result<Flow> {
        let sense = match trigger {
            Trigger::EdgeRising => hw::Sense::Rising,
            Trigger::EdgeFalling => hw::Sense::Falling,
            Trigger::EdgeBoth => hw::Sense::Both,
            Trigger::LevelHigh => hw::Sense::High,
            Trigger::LevelLow => hw::Sense::Low,
        };
        let line = irq.hwirq() as u32;

        self.0
            .ops()
            .set_trigger(&mut self.0.shadow.lock(), line, sense)?;
        Ok(Flow::for_trigger(trigger))
    }
}

impl gpio::IrqChip for BankChip {
    fn handle_parent(&self, domain: &irq::Domain) {
        let ops = self.0.ops();
        let Ok(pending) = ops.pending(&self.0.shadow.lock()) else {
            return;
        };

        for line in hw::lines(pending) {
            let _ = ops.flip_emulated_edge(&mut self.0.shadow.lock(), line);
            let _ = domain.handle(line as usize);
        }
    }
}

/// The bank's clock, enabled for as long as this lives; a failed probe disables it again.
struct EnabledClk(OptionalClk);

impl EnabledClk {
    fn new(clk: OptionalClk) -> Result<Self> {
        clk.prepare_enable()?;
        Ok(Self(clk))
    }
}

impl Drop for EnabledClk {
    fn drop(&mut self) {
        self.0.disable_unprepare();
    }
}

/// Driver data of a bound bank.
#[pin_data(PinnedDrop)]
struct GpioImx {
    bank: Arc<Bank>,
    _clk: EnabledClk,
}

#[pinned_drop]
impl PinnedDrop for GpioImx {
    fn drop(self: Pin<&mut Self>) {
        BANKS.lock().retain(|bank| !Arc::ptr_eq(bank, &self.bank));
    }
}

kernel::of_device_table!(
    OF_TABLE,
    <GpioImx as platform::Driver>::IdInfo,
    [
        (of::DeviceId::new(c"fsl,imx31-gpio"), &IMX31),
        (of::DeviceId::new(c"fsl,imx35-gpio"), &IMX35),
        (of::DeviceId::new(c"fsl,imx7d-gpio"), &IMX7),
        (of::DeviceId::new(c"fsl,imx8mp-gpio"), &IMX7),
        (of::DeviceId::new(c"fsl,imx8dxl-gpio"), &IMX7),
        (of::DeviceId::new(c"fsl,imx8qm-gpio"), &IMX7),
        (of::DeviceId::new(c"fsl,imx8qxp-gpio"), &IMX7),
    ]
);

/// Checks the device-tree properties gpiolib and the consumers rely on.
fn check_node(dev: &Device) -> Result {
    let node = dev.fwnode().ok_or(ENODEV)?;

    let cells: u32 = node.property_read(c"#gpio-cells").required_by(dev)?;
    if cells != 2 {
        dev_err!(dev, "#gpio-cells is {cells}, must be 2\n");
        return Err(EINVAL);
    }
    if node.property_present(c"ngpios") {
        let ngpios: u32 = node.property_read(c"ngpios").required_by(dev)?;
        if ngpios == 0 || ngpios > hw::LINES {
            dev_err!(dev, "ngpios is {ngpios}, must be 1 to {}\n", hw::LINES);
            return Err(EINVAL);
        }
    }
    if node.property_present(c"gpio-ranges") {
        let range = node.property_get_reference_args(c"gpio-ranges", NArgs::N(3), 0);
        if range.as_ref().map_or(true, |r| r.fwnode().is_none()) {
            dev_err!(dev, "gpio-ranges does not point to a pin controller\n");
            return Err(EINVAL);
        }
    }
    Ok(())
}

/// Reads `ngpios`, defaulting to a full bank; `check_node` has validated it.
fn line_count(dev: &Device) -> u16 {
    dev.fwnode()
        .and_then(|node| node.property_read::<u32>(c"ngpios").optional())
        .unwrap_or(hw::LINES) as u16
}

impl platform::Driver for GpioImx {
    type IdInfo = &'static Variant;
    type Data<'bound> = Self;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        variant: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self, Error> + 'bound {
        let dev = pdev.as_ref();
        let variant = *variant.ok_or(ENODEV)?;
        let layout = &variant.layout;

        check_node(dev)?;

        let Some(request) = pdev.io_request_by_index(0) else {
            dev_err!(dev, "no register window (reg)\n");
            return Err(EINVAL);
        };
        let regs = request.iomap_sized::<{ hw::WINDOW }>().inspect_err(|e| {
            dev_err!(dev, "cannot map the registers (reg): {e:?}\n");
        })?;

        let mut parents = [0u32; 2];
        for (index, parent) in parents.iter_mut().enumerate().take(variant.parent_irqs as usize) {
            *parent = pdev
                .optional_irq_by_index(index as u32)
                .inspect_err(|_| {
                    dev_err!(
                        dev,
                        "needs {} parent interrupts, interrupt {index} missing (interrupts)\n",
                        variant.parent_irqs
                    );
                })?
                .irq();
        }

        let clk = EnabledClk::new(OptionalClk::get(dev, None)?)?;

        let bank = Arc::pin_init(
            try_pin_init!(Bank {
                regs: regs.into_devres()?,
                layout,
                shadow <- new_raw_spinlock!(hw::Shadow::default(), "gpio_imx_shadow"),
            }),
            GFP_KERNEL,
        )?;
        {
            let mut shadow = bank.shadow.lock();
            *shadow = bank.ops().read_shadow()?;
            bank.ops().quiesce(&mut shadow)?;
        }

        let options = gpio::Options {
            label: dev.name(),
            ngpio: line_count(dev),
            pin_ranges: dev.fwnode().is_some_and(|n| n.property_present(c"gpio-ranges")),
        };
        let parents = &parents[..variant.parent_irqs as usize];
        gpio::Registration::register_with_irq(dev, options, parents, BankChip(bank.clone()))
            .inspect_err(|e| {
                // Waiting for the pin controller is normal at boot, not an error.
                if *e != EPROBE_DEFER {
                    dev_err!(dev, "cannot register the lines: {e:?}\n");
                }
            })?;

        BANKS.lock().push(bank.clone(), GFP_KERNEL)?;

        Ok(GpioImx { bank, _clk: clk })
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
    use hw::Registers;
    use kernel::gpio::Chip;

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
    fn interrupts_masked_unless_requested() -> Result {
        for bank in banks()?.iter() {
            let imr = bank.shadow.lock().imr;
            assert_eq!(bank.read(bank.layout.imr)?, imr);
        }
        Ok(())
    }

    #[test]
    fn shadows_match_hardware() -> Result {
        for bank in banks()?.iter() {
            let (dr, gdir, icr) = {
                let shadow = bank.shadow.lock();
                (shadow.dr, shadow.gdir, shadow.icr)
            };
            assert_eq!(bank.read(bank.layout.gdir)?, gdir);
            assert_eq!(bank.read(bank.layout.dr)? & gdir, dr & gdir);
            assert_eq!(bank.read(bank.layout.icr1)?, icr[0]);
            assert_eq!(bank.read(bank.layout.icr2)?, icr[1]);
        }
        Ok(())
    }

    #[test]
    fn output_line_drives_data_register() -> Result {
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

    #[test]
    fn multiple_lines_set_together() -> Result {
        for bank in banks()?.iter() {
            let chip = BankChip(bank.clone());
            let mask = [hw::bit(SPARE_LINE) as usize];

            chip.direction_output(SPARE_LINE, false)?;
            chip.set_multiple(&mask, &mask)?;
            let mut bits = [0usize];
            chip.get_multiple(&mask, &mut bits)?;
            assert_eq!(bits, mask);

            chip.set_multiple(&mask, &[0])?;
            chip.get_multiple(&mask, &mut bits)?;
            assert_eq!(bits, [0]);
            chip.direction_input(SPARE_LINE)?;
        }
        Ok(())
    }
}
