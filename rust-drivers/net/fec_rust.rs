// SPDX-License-Identifier: GPL-2.0

//! Driver for the i.MX 8M Plus ENET (the FEC Ethernet MAC), port ENET1.
//!
//! The ENET is a 10/100/1000 MAC with its own DMA: the driver gives it rings of 32-byte
//! "enhanced" buffer descriptors (ECR.EN1588 is set, as on every i.MX 8M), one ring for receive
//! and one for transmit, and the MAC raises RXF or TXF when it has filled or sent a frame. The
//! MAC's MII management registers are the master of an MDIO bus, where the PHY lives. This
//! driver registers that bus, connects the PHY named by `phy-handle` through phylib, and moves
//! frames with NAPI: the interrupt handler masks the MAC and schedules a poll, which reclaims
//! sent frames and hands received ones to the stack.
//!
//! The descriptor ring logic is in `fec_ring.rs`, shared with a host crate that tests it
//! against a simulated MAC.
//!
//! Limitations:
//! - One TX and one RX queue (the AVB queues 1 and 2 stay unused), no scatter-gather, no
//!   checksum or VLAN offload, no IEEE 1588 timestamping, no interrupt coalescing.
//! - Received frames are copied out of DMA buffers that stay mapped; there is no page pool and
//!   no XDP.
//! - No multicast filter: the group hash is opened fully, so every multicast frame is taken.
//! - No MIB counters, pause frames, EEE, Wake-on-LAN, runtime or system power management.
//! - Only the first interrupt line (MAC events) is used; the MAC's events are checked in the
//!   event register before anything is done, since some models also raise them on other lines.
//! - TX timeout recovery only reclaims what the MAC finished and restarts transmission (TDAR);
//!   it does not reset the MAC.

use kernel::{
    clk::{
        Clk,
        OptionalClk, //
    },
    device::{
        self,
        Bound,
        Core, //
    },
    dma::{
        streaming::Mapping,
        Coherent,
        DataDirection,
        Device as _,
        DmaMask, //
    },
    io::{
        mem::DevresIoMem,
        Io, //
    },
    irq::{
        self,
        IrqReturn, //
    },
    net::{
        dev::{
            self as netdev,
            Operations,
            Stats,
            TxOutcome, //
        },
        mdio,
        napi::{
            Napi,
            Poll, //
        },
        phylib::{
            self,
            Connection,
            Interface,
            Link,
            LinkChange,
            PhyHandle, //
        },
        skbuff::{
            DropReason,
            SkBuff, //
        },
    },
    of, platform,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        barrier::{
            dma_mb,
            Read,
            Write, //
        },
        Arc,
        Mutex,
        SpinLockIrq, //
    },
    time::{
        delay::fsleep,
        Delta, //
    },
    transmute::{
        AsBytes,
        FromBytes, //
    },
};

#[path = "fec_ring.rs"]
#[allow(dead_code, unreachable_pub)]
mod ring;

use ring::{
    BufDesc,
    Descriptors,
    RxError,
    RxRing,
    TxRing, //
};

/// Register offsets and bits, named as in the i.MX 8M Plus reference manual (ENET chapter).
mod reg {
    /// Interrupt event register (write 1 to clear).
    pub(crate) const EIR: usize = 0x004;
    /// Interrupt mask register.
    pub(crate) const EIMR: usize = 0x008;
    /// Receive descriptor active register, ring 0.
    pub(crate) const RDAR: usize = 0x010;
    /// Transmit descriptor active register, ring 0.
    pub(crate) const TDAR: usize = 0x014;
    /// Ethernet control register.
    pub(crate) const ECR: usize = 0x024;
    /// MII management frame register.
    pub(crate) const MMFR: usize = 0x040;
    /// MII speed control register.
    pub(crate) const MSCR: usize = 0x044;
    /// MIB control register.
    pub(crate) const MIBC: usize = 0x064;
    /// Receive control register.
    pub(crate) const RCR: usize = 0x084;
    /// Transmit control register.
    pub(crate) const TCR: usize = 0x0c4;
    /// Physical address lower and upper registers.
    pub(crate) const PALR: usize = 0x0e4;
    pub(crate) const PAUR: usize = 0x0e8;
    /// Individual and group address hash registers.
    pub(crate) const IAUR: usize = 0x118;
    pub(crate) const IALR: usize = 0x11c;
    pub(crate) const GAUR: usize = 0x120;
    pub(crate) const GALR: usize = 0x124;
    /// Transmit FIFO watermark.
    pub(crate) const TFWR: usize = 0x144;
    /// Descriptor ring starts and maximum receive buffer size, ring 0.
    pub(crate) const RDSR: usize = 0x180;
    pub(crate) const TDSR: usize = 0x184;
    pub(crate) const MRBR: usize = 0x188;
    /// Frame truncation length.
    pub(crate) const FTRL: usize = 0x1b0;
    /// Bytes of register space.
    pub(crate) const SIZE: usize = 0x4000;

    pub(crate) const EIR_TXF: u32 = 1 << 27;
    pub(crate) const EIR_RXF: u32 = 1 << 25;
    pub(crate) const EIR_MII: u32 = 1 << 23;

    pub(crate) const ECR_RESET: u32 = 1 << 0;
    pub(crate) const ECR_ETHEREN: u32 = 1 << 1;
    pub(crate) const ECR_EN1588: u32 = 1 << 4;
    pub(crate) const ECR_SPEED: u32 = 1 << 5;
    pub(crate) const ECR_DBSWP: u32 = 1 << 8;

    pub(crate) const RCR_DRT: u32 = 1 << 1;
    pub(crate) const RCR_MII_MODE: u32 = 1 << 2;
    pub(crate) const RCR_RGMII_EN: u32 = 1 << 6;
    pub(crate) const RCR_RMII_MODE: u32 = 1 << 8;
    pub(crate) const RCR_RMII_10T: u32 = 1 << 9;
    pub(crate) const RCR_NLC: u32 = 1 << 30;
    pub(crate) const RCR_MAX_FL_SHIFT: u32 = 16;

    pub(crate) const TCR_FDEN: u32 = 1 << 2;
    /// TFWR: store and forward, a whole frame in the FIFO before it goes out.
    pub(crate) const TFWR_STRFWD: u32 = 1 << 8;

    pub(crate) const MMFR_ST: u32 = 1 << 30;
    pub(crate) const MMFR_OP_WRITE: u32 = 1 << 28;
    pub(crate) const MMFR_OP_READ: u32 = 2 << 28;
    pub(crate) const MMFR_TA: u32 = 2 << 16;

    pub(crate) const fn mmfr(op: u32, addr: u8, reg: u8, data: u16) -> u32 {
        MMFR_ST
            | op
            | ((addr as u32 & 0x1f) << 23)
            | ((reg as u32 & 0x1f) << 18)
            | MMFR_TA
            | data as u32
    }
}

/// Descriptors per ring.
const RX_RING_SIZE: usize = 256;
const TX_RING_SIZE: usize = 256;
/// Receive buffer size: a full VLAN-tagged frame with FCS, rounded to the 16 bytes MRBR wants.
const RX_BUF_SIZE: usize = 1536;
/// Longest frame the MAC accepts (RCR.MAX_FL): MTU 1500, Ethernet and VLAN headers, FCS.
const MAX_FRAME_LEN: usize = 1500 + 18 + 4;
/// Wake a stopped TX queue when this many slots are free again.
const TX_WAKE_THRESHOLD: usize = TX_RING_SIZE / 4;
/// TX watchdog, in milliseconds.
const TX_TIMEOUT_MS: u32 = 2000;
/// MDIO transfers complete in 25.6 us at 2.5 MHz; allow much more.
const MDIO_TIMEOUT_US: i64 = 30_000;

// SAFETY: `BufDesc` is plain integers with no padding (32 bytes, checked in `ring`); every bit
// pattern is valid.
unsafe impl FromBytes for BufDesc {}
// SAFETY: As above: no padding, so every byte is initialised.
unsafe impl AsBytes for BufDesc {}

/// The MAC's registers, shared by the net device, the MDIO bus and the interrupt handler.
type Regs = DevresIoMem<{ reg::SIZE }>;

fn read(regs: &Regs, offset: usize) -> Result<u32> {
    regs.try_access().ok_or(ENXIO)?.try_read32(offset)
}

fn write(regs: &Regs, offset: usize, value: u32) -> Result {
    regs.try_access().ok_or(ENXIO)?.try_write32(value, offset)
}

/// A descriptor ring in DMA-coherent memory.
struct DescRing(Coherent<[BufDesc]>);

impl DescRing {
    fn new(dev: &device::Device<Bound>, len: usize) -> Result<Self> {
        Ok(Self(Coherent::zeroed_slice(dev, len, GFP_KERNEL)?))
    }

    fn slot(&self, i: usize) -> *mut BufDesc {
        // The ring code only passes indices below `len()`; clamp anyway so a bug cannot reach
        // past the allocation.
        let i = i.min(self.0.len() - 1);
        // SAFETY: `i` is in bounds of the allocation.
        unsafe { self.0.as_mut_ptr().cast::<BufDesc>().add(i) }
    }

    fn bus_address(&self) -> u32 {
        // The DMA mask is 32 bits, so the address fits.
        self.0.dma_address() as u32
    }
}

impl Descriptors for DescRing {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn read_sc(&self, i: usize) -> u16 {
        // SAFETY: `slot` is in bounds; the MAC writes the field concurrently, hence volatile.
        u16::from_le(unsafe { core::ptr::read_volatile(&raw const (*self.slot(i)).sc) })
    }

    fn read_datlen(&self, i: usize) -> u16 {
        // Read the length only after the status that says the MAC is done with the slot.
        dma_mb(Read);
        // SAFETY: As for `read_sc`.
        u16::from_le(unsafe { core::ptr::read_volatile(&raw const (*self.slot(i)).datlen) })
    }

    fn write(&self, i: usize, datlen: u16, bufaddr: u32, esc: u32) {
        let d = self.slot(i);
        // SAFETY: `slot` is in bounds and the driver owns the descriptor (its `sc` says so).
        unsafe {
            core::ptr::write_volatile(&raw mut (*d).datlen, datlen.to_le());
            core::ptr::write_volatile(&raw mut (*d).bufaddr, bufaddr.to_le());
            core::ptr::write_volatile(&raw mut (*d).esc, esc.to_le());
            core::ptr::write_volatile(&raw mut (*d).prot, 0);
            core::ptr::write_volatile(&raw mut (*d).bdu, 0);
        }
    }

    fn write_sc(&self, i: usize, sc: u16) {
        // Everything else in the descriptor must be visible before ownership changes.
        dma_mb(Write);
        // SAFETY: As for `write`.
        unsafe { core::ptr::write_volatile(&raw mut (*self.slot(i)).sc, sc.to_le()) };
    }
}

/// Receive side: the ring and one mapped buffer per slot. Only the NAPI poll touches it while
/// the interface is up.
struct RxState {
    ring: RxRing,
    bufs: KVec<Mapping<KVec<u8>>>,
}

/// Transmit side: the ring and the mapped packet of each slot in flight.
struct TxState {
    ring: TxRing,
    skbs: KVec<Option<Mapping<SkBuff>>>,
}

/// Interface counters, updated locklessly by the data paths.
struct Counters {
    rx_packets: Atomic<u64>,
    rx_bytes: Atomic<u64>,
    rx_dropped: Atomic<u64>,
    rx_length_errors: Atomic<u64>,
    rx_crc_errors: Atomic<u64>,
    rx_frame_errors: Atomic<u64>,
    rx_fifo_errors: Atomic<u64>,
    tx_packets: Atomic<u64>,
    tx_bytes: Atomic<u64>,
    tx_dropped: Atomic<u64>,
    tx_errors: Atomic<u64>,
}

impl Counters {
    fn new() -> Self {
        Self {
            rx_packets: Atomic::new(0),
            rx_bytes: Atomic::new(0),
            rx_dropped: Atomic::new(0),
            rx_length_errors: Atomic::new(0),
            rx_crc_errors: Atomic::new(0),
            rx_frame_errors: Atomic::new(0),
            rx_fifo_errors: Atomic::new(0),
            tx_packets: Atomic::new(0),
            tx_bytes: Atomic::new(0),
            tx_dropped: Atomic::new(0),
            tx_errors: Atomic::new(0),
        }
    }
}

fn bump(counter: &Atomic<u64>, by: u64) {
    counter.fetch_add(by, Relaxed);
}

/// Private data of the net device.
#[pin_data]
struct Enet {
    #[pin]
    napi: Napi,
    regs: Arc<Regs>,
    /// The platform device, bound for as long as the net device is registered.
    dev: ARef<device::Device>,
    rx_desc: DescRing,
    tx_desc: DescRing,
    /// Taken by the NAPI poll and transmit (softirq) and by open and stop (process context),
    /// hence with interrupts off.
    #[pin]
    rx: SpinLockIrq<RxState>,
    #[pin]
    tx: SpinLockIrq<TxState>,
    phy: PhyHandle,
    interface: Interface,
    #[pin]
    connection: Mutex<Option<Connection>>,
    /// MAC configuration from the last link change: RCR and TCR speed and duplex bits.
    link_bits: Atomic<u32>,
    stats: Counters,
}

impl Enet {
    /// The bound platform device.
    fn bound_dev(&self) -> &device::Device<Bound> {
        // SAFETY: The net device is unregistered, and its data paths stopped, before the platform
        // driver's data (which owns the registration) is dropped at unbind.
        unsafe { self.dev.as_bound() }
    }

    /// Programs the station address.
    fn set_hw_address(&self, mac: &[u8; 6]) -> Result {
        write(
            &self.regs,
            reg::PALR,
            u32::from_be_bytes([mac[0], mac[1], mac[2], mac[3]]),
        )?;
        write(
            &self.regs,
            reg::PAUR,
            u32::from_be_bytes([mac[4], mac[5], 0x88, 0x08]),
        )
    }

    /// Allocates and maps the receive buffers and fills both rings; the MAC is stopped.
    fn setup_rings(&self) -> Result {
        let mut bufs = KVec::with_capacity(RX_RING_SIZE, GFP_KERNEL)?;
        for _ in 0..RX_RING_SIZE {
            let buf = KVec::from_elem(0u8, RX_BUF_SIZE, GFP_KERNEL)?;
            let map = Mapping::new(self.bound_dev(), buf, DataDirection::FromDevice)
                .map_err(|(_, e)| e)?;
            bufs.push(map, GFP_KERNEL)?;
        }
        let mut skbs = KVec::with_capacity(TX_RING_SIZE, GFP_KERNEL)?;
        for _ in 0..TX_RING_SIZE {
            skbs.push(None, GFP_KERNEL)?;
        }

        let mut rx = self.rx.lock();
        rx.ring
            .reset(&self.rx_desc, |i| bufs[i].dma_handle() as u32);
        rx.bufs = bufs;
        drop(rx);

        let mut tx = self.tx.lock();
        tx.ring.reset(&self.tx_desc);
        tx.skbs = skbs;
        Ok(())
    }

    /// Frees every buffer; the MAC is stopped. Packets still in the TX ring are dropped.
    fn free_rings(&self) {
        let mut tx = self.tx.lock();
        tx.ring.reset(&self.tx_desc);
        let skbs = core::mem::take(&mut tx.skbs);
        drop(tx);
        let mut dropped = 0;
        for map in skbs.into_iter().flatten() {
            map.unmap().drop_with(DropReason::DevReady);
            dropped += 1;
        }
        bump(&self.stats.tx_dropped, dropped);

        let bufs = core::mem::take(&mut self.rx.lock().bufs);
        drop(bufs);
    }

    /// Resets the MAC and starts it with empty rings, for the link state in `link_bits`.
    fn start_mac(&self, mac: &[u8; 6]) -> Result {
        let regs = &self.regs;
        write(regs, reg::ECR, reg::ECR_RESET)?;
        fsleep(Delta::from_micros(10));
        // The reset clears the station address.
        self.set_hw_address(mac)?;
        write(regs, reg::EIR, !reg::EIR_MII)?;
        write(regs, reg::RDSR, self.rx_desc.bus_address())?;
        write(regs, reg::TDSR, self.tx_desc.bus_address())?;
        write(regs, reg::MRBR, RX_BUF_SIZE as u32)?;
        write(regs, reg::FTRL, RX_BUF_SIZE as u32)?;
        write(regs, reg::IAUR, 0)?;
        write(regs, reg::IALR, 0)?;
        // No multicast filter (see the limitations): accept every group address.
        write(regs, reg::GAUR, u32::MAX)?;
        write(regs, reg::GALR, u32::MAX)?;

        let bits = self.link_bits.load(Relaxed);
        let mut rcr = ((MAX_FRAME_LEN as u32) << reg::RCR_MAX_FL_SHIFT)
            | reg::RCR_MII_MODE
            | reg::RCR_NLC
            | (bits & (reg::RCR_RMII_10T | reg::RCR_DRT));
        if self.interface.is_rgmii() {
            rcr |= reg::RCR_RGMII_EN;
        } else if self.interface == Interface::RMII {
            rcr |= reg::RCR_RMII_MODE;
        }
        write(regs, reg::RCR, rcr)?;
        write(regs, reg::TCR, bits & reg::TCR_FDEN)?;
        write(regs, reg::TFWR, reg::TFWR_STRFWD)?;
        write(regs, reg::MIBC, 0)?;

        let ecr = reg::ECR_ETHEREN | reg::ECR_EN1588 | reg::ECR_DBSWP | (bits & reg::ECR_SPEED);
        write(regs, reg::ECR, ecr)?;
        write(regs, reg::RDAR, 0)?;
        write(regs, reg::EIMR, reg::EIR_TXF | reg::EIR_RXF)
    }

    /// Stops the MAC: no more DMA, no more interrupts.
    fn stop_mac(&self) {
        let _ = write(&self.regs, reg::EIMR, 0);
        let _ = write(&self.regs, reg::ECR, reg::ECR_RESET);
        let _ = write(&self.regs, reg::EIR, !reg::EIR_MII);
    }

    /// Reclaims sent frames; returns how many.
    fn reclaim_tx(&self, dev: &netdev::Device<Self>, budget: u32) -> u32 {
        let (mut packets, mut bytes, mut errors) = (0u64, 0u64, 0u64);
        // The lock keeps interrupts off: free each packet after dropping it, as freeing may
        // run socket callbacks.
        loop {
            let mut tx = self.tx.lock();
            let Some((slot, status)) = tx.ring.reclaim(&self.tx_desc) else {
                break;
            };
            let map = tx.skbs[slot].take();
            drop(tx);
            let Some(map) = map else {
                continue;
            };
            let skb = map.unmap();
            if status.is_ok() {
                packets += 1;
                bytes += u64::from(skb.len());
                skb.napi_consume(budget);
            } else {
                errors += 1;
                skb.drop_with(DropReason::NotSpecified);
            }
        }
        let wake = self.tx.lock().ring.free() >= TX_WAKE_THRESHOLD;

        bump(&self.stats.tx_packets, packets);
        bump(&self.stats.tx_bytes, bytes);
        bump(&self.stats.tx_errors, errors);
        if wake && dev.queue_stopped() && dev.carrier_ok() {
            dev.wake_queue();
        }
        packets as u32
    }

    /// Hands up to `budget` received frames to the stack; returns how many slots it handled.
    ///
    /// Only this poll function moves the RX ring while the interface is up, so a slot that
    /// `next` returned stays filled between two holds of the lock. The lock keeps interrupts
    /// off: allocation and the stack run outside it.
    fn receive(&self, dev: &netdev::Device<Self>, napi: &Napi, budget: u32) -> u32 {
        let mut done = 0;
        while done < budget {
            let Some((slot, frame)) = self.rx.lock().ring.next(&self.rx_desc) else {
                break;
            };
            done += 1;
            let skb = match frame {
                Ok(len) => napi.alloc_skb(len as u32).ok(),
                Err(e) => {
                    self.count_rx_error(e);
                    None
                }
            };
            if frame.is_ok() && skb.is_none() {
                bump(&self.stats.rx_dropped, 1);
            }

            let mut rx = self.rx.lock();
            let copied = match (skb, frame) {
                (Some(mut skb), Ok(len)) => rx.bufs[slot]
                    .with_cpu(|bytes| skb.put_slice(&bytes[..len]))
                    .map(|()| skb)
                    .ok(),
                _ => None,
            };
            let addr = rx.bufs[slot].dma_handle() as u32;
            let _ = rx.ring.release(&self.rx_desc, slot, addr);
            drop(rx);

            if let Some(skb) = copied {
                self.deliver(dev, napi, skb);
            }
        }
        if done > 0 {
            // The MAC stops when it meets a full slot; tell it there are empty ones again.
            let _ = write(&self.regs, reg::RDAR, 0);
        }
        done
    }

    fn deliver(&self, dev: &netdev::Device<Self>, napi: &Napi, mut skb: SkBuff) {
        let len = skb.len();
        if skb.eth_type_trans(dev).is_err() {
            skb.drop_with(DropReason::PktTooSmall);
            bump(&self.stats.rx_length_errors, 1);
            return;
        }
        bump(&self.stats.rx_packets, 1);
        bump(&self.stats.rx_bytes, u64::from(len));
        napi.gro_receive(skb);
    }

    fn count_rx_error(&self, e: RxError) {
        let counter = match e {
            RxError::TooLong | RxError::Runt | RxError::Truncated => &self.stats.rx_length_errors,
            RxError::Crc => &self.stats.rx_crc_errors,
            RxError::NonOctet => &self.stats.rx_frame_errors,
            RxError::Overrun => &self.stats.rx_fifo_errors,
        };
        bump(counter, 1);
    }
}

#[vtable]
impl Operations for Enet {
    fn open(dev: &netdev::Device<Self>) -> Result {
        let this = dev.data();
        this.setup_rings()?;
        this.link_bits.store(0, Relaxed);
        this.napi.enable();
        if let Err(e) = this.start_mac(&dev.mac_address()) {
            this.napi.disable();
            this.stop_mac();
            this.free_rings();
            return Err(e);
        }
        match Connection::to_handle(dev, &this.phy, this.interface) {
            Ok(phy) => *this.connection.lock() = Some(phy),
            Err(e) => {
                if let Some(parent) = dev.parent() {
                    dev_err!(parent, "cannot connect the PHY (phy-handle): {e:?}\n");
                }
                this.stop_mac();
                this.napi.disable();
                this.free_rings();
                return Err(e);
            }
        }
        dev.start_queue();
        Ok(())
    }

    fn stop(dev: &netdev::Device<Self>) -> Result {
        let this = dev.data();
        dev.stop_queue();
        drop(this.connection.lock().take());
        this.napi.disable();
        this.stop_mac();
        this.free_rings();
        Ok(())
    }

    fn start_xmit(dev: &netdev::Device<Self>, skb: SkBuff) -> TxOutcome {
        let this = dev.data();
        let len = skb.len() as usize;
        if !skb.is_linear() || len > MAX_FRAME_LEN - ring::FCS_LEN {
            bump(&this.stats.tx_dropped, 1);
            skb.drop_with(DropReason::PktTooBig);
            return TxOutcome::Ok;
        }

        let mut tx = this.tx.lock();
        if tx.ring.is_full() {
            dev.stop_queue();
            return TxOutcome::Busy(skb);
        }
        let map = match Mapping::new(this.bound_dev(), skb, DataDirection::ToDevice) {
            Ok(map) => map,
            Err((skb, _)) => {
                drop(tx);
                bump(&this.stats.tx_dropped, 1);
                skb.drop_with(DropReason::NoMem);
                return TxOutcome::Ok;
            }
        };
        let addr = map.dma_handle() as u32;
        match tx.ring.push(&this.tx_desc, addr, len as u16) {
            Ok(slot) => tx.skbs[slot] = Some(map),
            Err(_) => {
                // `is_full` said otherwise under the same lock; cannot happen.
                drop(tx);
                bump(&this.stats.tx_dropped, 1);
                map.unmap().drop_with(DropReason::FullRing);
                return TxOutcome::Ok;
            }
        }
        if tx.ring.is_full() {
            dev.stop_queue();
        }
        drop(tx);
        let _ = write(&this.regs, reg::TDAR, 0);
        TxOutcome::Ok
    }

    fn get_stats64(dev: &netdev::Device<Self>) -> Stats {
        let s = &dev.data().stats;
        let rx_errors = s.rx_length_errors.load(Relaxed)
            + s.rx_crc_errors.load(Relaxed)
            + s.rx_frame_errors.load(Relaxed)
            + s.rx_fifo_errors.load(Relaxed);
        Stats {
            rx_packets: s.rx_packets.load(Relaxed),
            rx_bytes: s.rx_bytes.load(Relaxed),
            rx_dropped: s.rx_dropped.load(Relaxed),
            rx_errors,
            rx_length_errors: s.rx_length_errors.load(Relaxed),
            rx_crc_errors: s.rx_crc_errors.load(Relaxed),
            rx_frame_errors: s.rx_frame_errors.load(Relaxed),
            rx_fifo_errors: s.rx_fifo_errors.load(Relaxed),
            tx_packets: s.tx_packets.load(Relaxed),
            tx_bytes: s.tx_bytes.load(Relaxed),
            tx_dropped: s.tx_dropped.load(Relaxed),
            tx_errors: s.tx_errors.load(Relaxed),
            ..Stats::default()
        }
    }

    fn set_mac_address(dev: &netdev::Device<Self>, addr: &[u8; 6]) -> Result {
        if dev.is_running() {
            dev.data().set_hw_address(addr)?;
        }
        Ok(())
    }

    fn tx_timeout(dev: &netdev::Device<Self>, _queue: u32) {
        let this = dev.data();
        bump(&this.stats.tx_errors, 1);
        if let Some(parent) = dev.parent() {
            dev_warn!(parent, "transmit timed out, restarting transmission\n");
        }
        this.napi.schedule();
        let _ = write(&this.regs, reg::TDAR, 0);
    }
}

impl Poll for Enet {
    fn poll(dev: &netdev::Device<Self>, napi: &Napi, budget: u32) -> u32 {
        let this = dev.data();
        this.reclaim_tx(dev, budget);
        let done = this.receive(dev, napi, budget);
        if done < budget && napi.complete_done(done) {
            let _ = write(&this.regs, reg::EIMR, reg::EIR_TXF | reg::EIR_RXF);
        }
        done
    }
}

impl LinkChange for Enet {
    fn link_changed(dev: &netdev::Device<Self>, link: Link) {
        let this = dev.data();
        if !link.up {
            return;
        }
        let mut bits = 0;
        match link.speed {
            1000 => bits |= reg::ECR_SPEED,
            10 => bits |= reg::RCR_RMII_10T,
            _ => {}
        }
        if link.full_duplex {
            bits |= reg::TCR_FDEN;
        } else {
            bits |= reg::RCR_DRT;
        }
        if this.link_bits.xchg(bits, Relaxed) == bits {
            return;
        }
        // Speed and duplex live in RCR, TCR and ECR; the rings keep running.
        let regs = &this.regs;
        let update = || -> Result {
            let rcr = read(regs, reg::RCR)? & !(reg::RCR_RMII_10T | reg::RCR_DRT);
            write(
                regs,
                reg::RCR,
                rcr | (bits & (reg::RCR_RMII_10T | reg::RCR_DRT)),
            )?;
            write(regs, reg::TCR, bits & reg::TCR_FDEN)?;
            let ecr = read(regs, reg::ECR)? & !reg::ECR_SPEED;
            write(regs, reg::ECR, ecr | (bits & reg::ECR_SPEED))
        };
        if update().is_err() {
            if let Some(parent) = dev.parent() {
                dev_err!(parent, "cannot program the link speed\n");
            }
        }
    }
}

/// The MDIO master in the MAC's MII management registers.
struct MiiBus {
    regs: Arc<Regs>,
}

impl MiiBus {
    /// Runs one management frame and returns the data field.
    fn transfer(&self, frame: u32) -> Result<u16> {
        write(&self.regs, reg::EIR, reg::EIR_MII)?;
        write(&self.regs, reg::MMFR, frame)?;
        let mut waited = 0;
        while read(&self.regs, reg::EIR)? & reg::EIR_MII == 0 {
            if waited >= MDIO_TIMEOUT_US {
                return Err(ETIMEDOUT);
            }
            fsleep(Delta::from_micros(20));
            waited += 20;
        }
        write(&self.regs, reg::EIR, reg::EIR_MII)?;
        Ok(read(&self.regs, reg::MMFR)? as u16)
    }
}

impl mdio::Bus for MiiBus {
    fn read(&self, addr: u8, reg: u8) -> Result<u16> {
        self.transfer(reg::mmfr(reg::MMFR_OP_READ, addr, reg, 0))
    }

    fn write(&self, addr: u8, reg: u8, val: u16) -> Result {
        self.transfer(reg::mmfr(reg::MMFR_OP_WRITE, addr, reg, val))
            .map(|_| ())
    }
}

/// The MAC event interrupt.
struct EnetIrq {
    regs: Arc<Regs>,
    /// The net device's NAPI instance.
    ///
    /// Valid while the handler is registered: the registration is dropped before the net
    /// device (see `FecRust`).
    napi: *const Napi,
}

// SAFETY: `napi` points into the net device, which outlives the handler; `Napi` is `Sync`.
unsafe impl Send for EnetIrq {}
// SAFETY: As above.
unsafe impl Sync for EnetIrq {}

impl irq::Handler for EnetIrq {
    fn handle(&self) -> IrqReturn {
        let Ok(events) = read(&self.regs, reg::EIR) else {
            return IrqReturn::None;
        };
        let events = events & (reg::EIR_TXF | reg::EIR_RXF);
        if events == 0 {
            return IrqReturn::None;
        }
        let _ = write(&self.regs, reg::EIMR, 0);
        let _ = write(&self.regs, reg::EIR, events);
        // SAFETY: See the field's documentation.
        unsafe { (*self.napi).schedule() };
        IrqReturn::Handled
    }
}

struct EnabledClk(Clk);

impl EnabledClk {
    fn get(dev: &device::Device, name: &CStr) -> Result<Self> {
        let clk = Clk::get(dev, Some(name)).inspect_err(|e| {
            if *e != EPROBE_DEFER {
                dev_err!(dev, "no clock {name} (clocks): {e:?}\n");
            }
        })?;
        clk.prepare_enable()?;
        Ok(Self(clk))
    }
}

impl Drop for EnabledClk {
    fn drop(&mut self) {
        self.0.disable_unprepare();
    }
}

struct EnabledOptionalClk(OptionalClk);

impl EnabledOptionalClk {
    fn get(dev: &device::Device, name: &CStr) -> Result<Self> {
        let clk = OptionalClk::get(dev, Some(name))?;
        clk.prepare_enable()?;
        Ok(Self(clk))
    }
}

impl Drop for EnabledOptionalClk {
    fn drop(&mut self) {
        self.0.disable_unprepare();
    }
}

/// Driver data of a bound ENET. Fields drop in this order: the interrupt handler first, then
/// the net device (closing it stops the MAC and disconnects the PHY), then the MDIO bus, then
/// the clocks.
#[pin_data]
struct FecRust<'bound> {
    #[pin]
    irq: irq::Registration<'bound, EnetIrq>,
    netdev: netdev::Registration<Enet>,
    _mdio: mdio::Registration<MiiBus>,
    _clks: KVec<EnabledOptionalClk>,
    _ipg: EnabledClk,
    _ahb: EnabledClk,
}

/// The platform driver.
struct FecDriver;

kernel::of_device_table!(
    OF_TABLE,
    <FecDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"fsl,imx8mp-fec"), ())]
);

/// Reads the station address the boot loader or QEMU left in PALR/PAUR.
fn hw_address(regs: &Regs) -> Option<[u8; 6]> {
    let low = read(regs, reg::PALR).ok()?.to_be_bytes();
    let high = read(regs, reg::PAUR).ok()?.to_be_bytes();
    Some([low[0], low[1], low[2], low[3], high[0], high[1]])
}

/// Gives the device its MAC address: the device tree's, else the registers', else a random one.
fn set_mac_address(
    dev: &device::Device,
    reg: &mut netdev::Registration<Enet>,
    regs: &Regs,
) -> Result {
    match reg.set_mac_address_from_of() {
        Ok(()) => return Ok(()),
        Err(e) if e == EPROBE_DEFER => return Err(e),
        Err(_) => {}
    }
    if let Some(mac) = hw_address(regs) {
        if reg.set_mac_address(&mac).is_ok() {
            return Ok(());
        }
    }
    reg.set_random_mac_address()?;
    let mac = reg.device().mac_address();
    dev_info!(
        dev,
        "no MAC address in the device tree or the MAC, using random \
         {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}\n",
        mac[0],
        mac[1],
        mac[2],
        mac[3],
        mac[4],
        mac[5]
    );
    Ok(())
}

impl platform::Driver for FecDriver {
    type IdInfo = ();
    type Data<'bound> = FecRust<'bound>;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<FecRust<'bound>, Error> + 'bound {
        let init = FecRust::new(pdev);
        // SAFETY: `raw_try_init` initialises `slot` fully or leaves it untouched on error, which
        // is what `pin_init_from_closure` asks of its closure; `slot` is pinned driver data.
        unsafe { pin_init::pin_init_from_closure(move |slot| pin_init::raw_try_init(slot, init?)) }
    }
}

impl<'bound> FecRust<'bound> {
    /// Checks the device tree, claims the resources and sets up the MDIO bus and net device;
    /// returns the initializer that requests the interrupt and registers the net device.
    fn new(
        pdev: &'bound platform::Device<Core<'_>>,
    ) -> Result<impl PinInit<FecRust<'bound>, Error> + 'bound> {
        let dev = pdev.as_ref();

        let phy = PhyHandle::from_of(dev).inspect_err(|e| match *e {
            e if e == ENOENT => dev_err!(dev, "no phy-handle in the device tree\n"),
            _ => dev_err!(dev, "phy-handle does not point to a device-tree node\n"),
        })?;
        let interface = Interface::from_of(dev).inspect_err(|_| {
            dev_err!(dev, "no valid phy-mode in the device tree\n");
        })?;
        let irq = pdev.optional_irq_by_index(0).inspect_err(|e| {
            if *e != EPROBE_DEFER {
                dev_err!(dev, "no interrupt in the device tree (interrupts)\n");
            }
        })?;

        let ipg = EnabledClk::get(dev, c"ipg")?;
        let ahb = EnabledClk::get(dev, c"ahb")?;
        let mut clks = KVec::new();
        for name in [c"ptp", c"enet_clk_ref", c"enet_out"] {
            clks.push(EnabledOptionalClk::get(dev, name)?, GFP_KERNEL)?;
        }

        let Some(request) = pdev.io_request_by_index(0) else {
            dev_err!(dev, "no register window (reg)\n");
            return Err(EINVAL);
        };
        let regs = Arc::pin_init(
            request
                .iomap_sized::<{ reg::SIZE }>()
                .inspect_err(|e| {
                    dev_err!(dev, "cannot map the registers (reg): {e:?}\n");
                })?
                .into_devres()?,
            GFP_KERNEL,
        )?;
        // SAFETY: Nothing maps or allocates DMA memory for this device yet.
        unsafe { pdev.dma_set_mask_and_coherent(DmaMask::new::<32>())? };

        // MDC at most 2.5 MHz: MII_SPEED = ceil(ipg / 5 MHz) - 1, in MSCR bits 6:1. QEMU reports
        // no rate; assume the reference manual's 66 MHz then.
        let rate = match ipg.0.rate().as_hz() {
            0 => 66_000_000,
            r => r,
        };
        let mii_speed = (rate.div_ceil(5_000_000) - 1).min(63) as u32;
        write(&regs, reg::MSCR, mii_speed << 1)?;

        let mdio = mdio::Registration::new(dev, c"fec_rust MII bus", MiiBus { regs: regs.clone() })
            .inspect_err(|e| {
                if *e != EPROBE_DEFER {
                    dev_err!(dev, "cannot register the MDIO bus: {e:?}\n");
                }
            })?;
        if !phy.has_phy() {
            dev_err!(dev, "phy-handle points to no PHY on the MDIO bus\n");
            return Err(ENODEV);
        }

        let bound: &device::Device<Bound> = dev;
        let enet_regs = regs.clone();
        let enet = try_pin_init!(Enet {
            napi: Napi::new(),
            regs: enet_regs,
            dev: bound.into(),
            rx_desc: DescRing::new(bound, RX_RING_SIZE)?,
            tx_desc: DescRing::new(bound, TX_RING_SIZE)?,
            rx <- kernel::new_spinlock_irq!(RxState {
                ring: RxRing::new(MAX_FRAME_LEN),
                bufs: KVec::new(),
            }),
            tx <- kernel::new_spinlock_irq!(TxState { ring: TxRing::new(), skbs: KVec::new() }),
            phy,
            interface,
            connection <- kernel::new_mutex!(None),
            link_bits: Atomic::new(0),
            stats: Counters::new(),
        });
        let mut netdev = netdev::Registration::new(dev, enet)?;
        set_mac_address(dev, &mut netdev, &regs)?;
        phylib::use_phylib_ethtool(&mut netdev)?;
        netdev.set_watchdog_timeout(kernel::time::msecs_to_jiffies(TX_TIMEOUT_MS) as u32)?;
        netdev.set_max_mtu(1500)?;
        netdev.device().data().napi.add(netdev.device())?;
        let napi: *const Napi = &netdev.device().data().napi;
        let log_dev: &'bound device::Device = pdev.as_ref();

        Ok(try_pin_init!(FecRust {
            // SAFETY: `FecRust` is pinned driver data that is never forgotten.
            irq <- unsafe {
                irq::Registration::new(
                    irq,
                    irq::Flags::TRIGGER_NONE,
                    c"fec_rust",
                    Ok::<_, Error>(EnetIrq { regs, napi }),
                )
            },
            netdev,
            _mdio: mdio,
            _clks: clks,
            _ipg: ipg,
            _ahb: ahb,
        })
        .pin_chain(move |this| {
            this.project().netdev.register().inspect_err(|e| {
                dev_err!(log_dev, "cannot register the net device: {e:?}\n");
            })
        }))
    }
}

kernel::module_platform_driver! {
    type: FecDriver,
    name: "fec_rust",
    authors: ["Rust BSP developers"],
    description: "i.MX 8M Plus ENET (FEC) Ethernet MAC driver",
    license: "GPL v2",
}

#[cfg(CONFIG_FEC_RUST_KUNIT_TEST)]
#[kunit_tests(fec_rust)]
mod tests {
    use super::*;
    use kernel::faux;

    /// A faux device that may map DMA memory, as the ENET's platform device does.
    fn dma_device() -> Result<faux::Registration> {
        let reg = faux::Registration::new(c"fec-rust-kunit", None)?;
        let dev: &device::Device<Bound> = reg.as_ref().as_ref();
        let raw = core::ptr::from_ref(dev)
            .cast::<kernel::bindings::device>()
            .cast_mut();
        // SAFETY: Nothing else uses the new device; point its streaming mask at the coherent one
        // as platform buses do, then set both.
        unsafe {
            (*raw).dma_mask = &raw mut (*raw).coherent_dma_mask;
            kernel::error::to_result(kernel::bindings::dma_set_mask_and_coherent(
                raw,
                u32::MAX.into(),
            ))?;
        }
        Ok(reg)
    }

    #[test]
    fn management_frames_match_the_reference_manual() {
        // Read of register 2 (PHYSID1) of the PHY at address 1.
        assert_eq!(reg::mmfr(reg::MMFR_OP_READ, 1, 2, 0), 0x608a_0000);
        // Write of 0x1200 (BMCR: autonegotiation restart) to register 0 at address 1.
        assert_eq!(reg::mmfr(reg::MMFR_OP_WRITE, 1, 0, 0x1200), 0x5082_1200);
    }

    #[test]
    fn tx_ring_in_dma_memory() -> Result {
        let faux = dma_device()?;
        let d = DescRing::new(faux.as_ref().as_ref(), 8)?;
        let mut tx = TxRing::new();
        tx.reset(&d);
        for len in [60u16, 1514, 100] {
            tx.push(&d, 0x4000_0000, len).map_err(|_| ENOSPC)?;
        }
        assert_eq!(tx.in_flight(), 3);
        // Little-endian in memory: the MAC sees R, L and TC, and the interrupt enable.
        // SAFETY: Slot 1 is in bounds and nothing else accesses the ring.
        let raw = unsafe { core::ptr::read_volatile(d.slot(1)) };
        assert_eq!(u16::from_le(raw.sc), ring::TX_R | ring::TX_L | ring::TX_TC);
        assert_eq!(u16::from_le(raw.datlen), 1514);
        assert_eq!(u32::from_le(raw.esc), ring::TX_INT);
        assert!(tx.reclaim(&d).is_none());
        // The MAC sends the first frame: R clear.
        d.write_sc(0, ring::TX_L | ring::TX_TC);
        assert_eq!(tx.reclaim(&d).map(|(slot, _)| slot), Some(0));
        assert!(tx.reclaim(&d).is_none());
        Ok(())
    }

    #[test]
    fn rx_ring_in_dma_memory() -> Result {
        let faux = dma_device()?;
        let d = DescRing::new(faux.as_ref().as_ref(), 4)?;
        let mut rx = RxRing::new(MAX_FRAME_LEN);
        rx.reset(&d, |i| 0x5000_0000 + i as u32 * RX_BUF_SIZE as u32);
        assert!(rx.next(&d).is_none());
        // The MAC fills slot 0 with a 64-byte frame and its FCS, and slot 1 with a runt.
        d.write(0, 68, 0x5000_0000, ring::RX_INT);
        d.write_sc(0, ring::RX_L);
        d.write(1, 10, 0x5000_0600, ring::RX_INT);
        d.write_sc(1, ring::RX_L);
        assert_eq!(rx.next(&d), Some((0, Ok(64))));
        rx.release(&d, 0, 0x5000_0000).map_err(|_| EINVAL)?;
        assert_eq!(d.read_sc(0) & ring::RX_E, ring::RX_E);
        assert_eq!(rx.next(&d), Some((1, Err(RxError::Runt))));
        Ok(())
    }
}
