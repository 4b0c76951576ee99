// SPDX-License-Identifier: GPL-2.0

//! A simulated i.MX ENET MAC with enhanced descriptors.
//!
//! It walks the rings as QEMU's `imx_fec` model does with ECR.EN1588 set. TX: a write to TDAR
//! sends frames from the MAC's own descriptor pointer while descriptors have R, clears R,
//! sets `bdu` on the last descriptor of a frame, and follows W back to the ring start. RX: a
//! frame fills E descriptors in order, `datlen` counting the 4 FCS bytes, and a frame larger
//! than MRBR spreads over several descriptors with L on the last only. The last descriptor
//! gets LG when the frame is longer than RCR.MAX_FL, and TR and LG when it is cut at FTRL.
//! After each frame RDAR stays set only if the next descriptor is empty; while RDAR is clear,
//! frames are dropped and counted (QEMU holds them in its network queue instead, which the
//! rings cannot tell apart) until the driver writes RDAR. If the ring runs out in the middle
//! of a frame, the rest is lost and no descriptor gets L, as in QEMU.
//!
//! TXF/RXF and TXB/RXB are raised only for descriptors with TX_INT/RX_INT in `esc`. Buffer
//! addresses are offsets into one simulated memory. The MAC panics when it walks off the end
//! of a ring (no W on the last descriptor), and each ring records the driver's accesses and
//! counts writes to descriptors the running MAC owns, so tests can check the protocol.

use crate::ring::{BufDesc, Descriptors};
use crate::ring::{RX_E, RX_INT, RX_L, RX_LG, RX_TR, TX_INT, TX_L, TX_R, TX_W};
use std::cell::{Cell, RefCell};

/// EIR: babbling transmit error (frame over the TX limit).
pub const EIR_BABT: u32 = 0x2000_0000;
/// EIR: a TX frame was sent.
pub const EIR_TXF: u32 = 0x0800_0000;
/// EIR: a TX descriptor was processed.
pub const EIR_TXB: u32 = 0x0400_0000;
/// EIR: an RX frame was received.
pub const EIR_RXF: u32 = 0x0200_0000;
/// EIR: an RX descriptor was filled, not the last of its frame.
pub const EIR_RXB: u32 = 0x0100_0000;

/// `bdu` value the MAC writes to the last descriptor of a frame.
pub const BDU: u32 = 0x8000_0000;

/// Longest TX frame the model sends; it cuts longer ones and raises BABT.
const TX_FRAME_LIMIT: usize = 1 << 14;

/// Most descriptors one TDAR write processes, as in QEMU.
const MAX_DESC_PER_KICK: usize = 1024;

/// One driver access to a descriptor ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// [`Descriptors::write`].
    Write {
        /// Slot.
        i: usize,
        /// `datlen` written.
        datlen: u16,
        /// `bufaddr` written.
        bufaddr: u32,
        /// `esc` written.
        esc: u32,
    },
    /// [`Descriptors::write_sc`].
    WriteSc {
        /// Slot.
        i: usize,
        /// `sc` written.
        sc: u16,
    },
}

/// One descriptor ring in memory shared by the driver and the simulated MAC.
pub struct SimDescs {
    descs: RefCell<Vec<BufDesc>>,
    log: RefCell<Vec<Access>>,
    running: Cell<bool>,
    ownership_violations: Cell<usize>,
}

impl SimDescs {
    fn new(len: usize) -> Self {
        Self {
            descs: RefCell::new(vec![BufDesc::default(); len]),
            log: RefCell::new(Vec::new()),
            running: Cell::new(false),
            ownership_violations: Cell::new(0),
        }
    }

    /// A copy of descriptor `i`.
    pub fn get(&self, i: usize) -> BufDesc {
        self.descs.borrow()[i]
    }

    /// Takes the driver accesses recorded since the last call.
    pub fn take_log(&self) -> Vec<Access> {
        self.log.take()
    }

    /// Driver writes to a descriptor the running MAC owned (R or E set).
    pub fn ownership_violations(&self) -> usize {
        self.ownership_violations.get()
    }

    /// Records a driver access to slot `i` and checks that the driver owns it.
    fn driver_access(&self, i: usize, access: Access) {
        // R (TX) and E (RX) are the same bit.
        if self.running.get() && self.descs.borrow()[i].sc & TX_R != 0 {
            self.ownership_violations
                .set(self.ownership_violations.get() + 1);
        }
        self.log.borrow_mut().push(access);
    }

    /// Where the MAC goes after descriptor `i` with status `sc`.
    fn after(&self, i: usize, sc: u16) -> usize {
        // TX_W and RX_W are the same bit.
        if sc & TX_W != 0 {
            return 0;
        }
        assert!(
            i + 1 < self.descs.borrow().len(),
            "the MAC ran off the end of the ring: no W on descriptor {i}"
        );
        i + 1
    }
}

impl Descriptors for SimDescs {
    fn len(&self) -> usize {
        self.descs.borrow().len()
    }

    fn read_sc(&self, i: usize) -> u16 {
        self.descs.borrow()[i].sc
    }

    fn read_datlen(&self, i: usize) -> u16 {
        self.descs.borrow()[i].datlen
    }

    fn write(&self, i: usize, datlen: u16, bufaddr: u32, esc: u32) {
        self.driver_access(
            i,
            Access::Write {
                i,
                datlen,
                bufaddr,
                esc,
            },
        );
        let mut descs = self.descs.borrow_mut();
        let d = &mut descs[i];
        d.datlen = datlen;
        d.bufaddr = bufaddr;
        d.esc = esc;
        d.prot = 0;
        d.bdu = 0;
    }

    fn write_sc(&self, i: usize, sc: u16) {
        self.driver_access(i, Access::WriteSc { i, sc });
        self.descs.borrow_mut()[i].sc = sc;
    }
}

/// Settings of the simulated MAC.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// TX descriptors.
    pub tx_len: usize,
    /// RX descriptors.
    pub rx_len: usize,
    /// MRBR: bytes of one RX buffer.
    pub mrbr: usize,
    /// RCR.MAX_FL: longer frames get LG.
    pub max_fl: usize,
    /// FTRL: longer frames are cut and get TR and LG.
    pub ftrl: usize,
    /// Bytes of simulated memory for buffers.
    pub memory: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            tx_len: 8,
            rx_len: 8,
            mrbr: 1536,
            max_fl: 1518,
            ftrl: 2047,
            memory: 1 << 16,
        }
    }
}

/// MAC state outside the descriptor rings.
#[derive(Default)]
struct State {
    etheren: bool,
    rdar: bool,
    tx_next: usize,
    rx_next: usize,
    eir: u32,
    sent: Vec<Vec<u8>>,
    dropped: usize,
    lost_ends: usize,
    tx_errors: u16,
    rx_errors: u16,
}

/// The simulated MAC: two rings, buffer memory and the registers the rings depend on.
pub struct SimMac {
    /// The TX descriptor ring.
    pub tx: SimDescs,
    /// The RX descriptor ring.
    pub rx: SimDescs,
    config: Config,
    memory: RefCell<Vec<u8>>,
    state: RefCell<State>,
}

impl SimMac {
    /// A stopped MAC with zeroed rings and memory.
    pub fn new(config: Config) -> Self {
        Self {
            tx: SimDescs::new(config.tx_len),
            rx: SimDescs::new(config.rx_len),
            config,
            memory: RefCell::new(vec![0; config.memory]),
            state: RefCell::new(State::default()),
        }
    }

    /// Sets ECR.ETHEREN: the MAC starts at the first descriptor of each ring.
    pub fn enable(&self) {
        let mut s = self.state.borrow_mut();
        s.etheren = true;
        self.tx.running.set(true);
        self.rx.running.set(true);
    }

    /// Clears ECR.ETHEREN: RDAR clears and both pointers go back to the ring start.
    pub fn disable(&self) {
        let mut s = self.state.borrow_mut();
        s.etheren = false;
        s.rdar = false;
        s.tx_next = 0;
        s.rx_next = 0;
        self.tx.running.set(false);
        self.rx.running.set(false);
    }

    /// Writes TDAR: sends every ready frame.
    pub fn write_tdar(&self) {
        if !self.state.borrow().etheren {
            return;
        }
        let mut frame = Vec::new();
        for _ in 0..MAX_DESC_PER_KICK {
            if !self.tx_one(&mut frame) {
                break;
            }
        }
    }

    /// Processes the TX descriptor at the MAC's pointer; false when it is not ready.
    fn tx_one(&self, frame: &mut Vec<u8>) -> bool {
        let mut s = self.state.borrow_mut();
        let i = s.tx_next;
        let mut bd = self.tx.get(i);
        if bd.sc & TX_R == 0 {
            return false;
        }

        let mut len = usize::from(bd.datlen);
        if frame.len() + len > TX_FRAME_LIMIT {
            len = TX_FRAME_LIMIT - frame.len();
            s.eir |= EIR_BABT;
        }
        frame.extend_from_slice(&self.read_mem(bd.bufaddr, len));
        let int = bd.esc & TX_INT != 0;
        if bd.sc & TX_L != 0 {
            s.sent.push(core::mem::take(frame));
            bd.bdu = BDU;
            if int {
                s.eir |= EIR_TXF;
            }
        }
        if int {
            s.eir |= EIR_TXB;
        }

        bd.sc &= !TX_R;
        bd.sc |= core::mem::take(&mut s.tx_errors);
        self.tx.descs.borrow_mut()[i] = bd;
        s.tx_next = self.tx.after(i, bd.sc);
        true
    }

    /// Writes RDAR: receiving resumes if the descriptor at the MAC's pointer is empty.
    pub fn write_rdar(&self) {
        let mut s = self.state.borrow_mut();
        if s.etheren && !s.rdar {
            s.rdar = self.rx.get(s.rx_next).sc & RX_E != 0;
        }
    }

    /// Whether RDAR is set, i.e. the MAC accepts frames.
    pub fn rdar(&self) -> bool {
        self.state.borrow().rdar
    }

    /// A frame (without FCS) arrives from the wire; false when it was dropped.
    pub fn receive(&self, frame: &[u8]) -> bool {
        let mut s = self.state.borrow_mut();
        if !s.rdar {
            s.dropped += 1;
            return false;
        }

        let mut data = frame.to_vec();
        data.extend_from_slice(&crc32(frame).to_le_bytes());
        let mut flags = core::mem::take(&mut s.rx_errors);
        if data.len() > self.config.ftrl {
            data.truncate(self.config.ftrl);
            flags |= RX_TR | RX_LG;
        }
        if data.len() > self.config.max_fl {
            flags |= RX_LG;
        }

        let mut rest = &data[..];
        while !rest.is_empty() {
            let i = s.rx_next;
            let mut bd = self.rx.get(i);
            if bd.sc & RX_E == 0 {
                s.lost_ends += 1;
                break;
            }
            let n = rest.len().min(self.config.mrbr);
            self.write_mem(bd.bufaddr, &rest[..n]);
            rest = &rest[n..];

            bd.datlen = u16::try_from(n).expect("MRBR fits datlen");
            bd.sc &= !RX_E;
            let int = bd.esc & RX_INT != 0;
            if rest.is_empty() {
                bd.sc |= flags | RX_L;
                bd.bdu = BDU;
                if int {
                    s.eir |= EIR_RXF;
                }
            } else if int {
                s.eir |= EIR_RXB;
            }
            self.rx.descs.borrow_mut()[i] = bd;
            s.rx_next = self.rx.after(i, bd.sc);
        }

        s.rdar = self.rx.get(s.rx_next).sc & RX_E != 0;
        true
    }

    /// The next TX descriptor the MAC finishes gets these error bits in `sc` (QEMU never sets
    /// any; real MACs do).
    pub fn inject_tx_errors(&self, bits: u16) {
        self.state.borrow_mut().tx_errors = bits;
    }

    /// The next received frame gets these error bits in `sc` of its last descriptor (QEMU
    /// sets only LG and TR; real MACs also set CR, OV, NO).
    pub fn inject_rx_errors(&self, bits: u16) {
        self.state.borrow_mut().rx_errors = bits;
    }

    /// Reads and clears the interrupt events (EIR).
    pub fn take_eir(&self) -> u32 {
        core::mem::take(&mut self.state.borrow_mut().eir)
    }

    /// Takes the frames sent since the last call.
    pub fn take_sent(&self) -> Vec<Vec<u8>> {
        core::mem::take(&mut self.state.borrow_mut().sent)
    }

    /// Frames dropped because RDAR was clear.
    pub fn dropped(&self) -> usize {
        self.state.borrow().dropped
    }

    /// Frames whose end was lost because the ring ran out in the middle.
    pub fn lost_ends(&self) -> usize {
        self.state.borrow().lost_ends
    }

    /// The RX descriptor the MAC fills next.
    pub fn rx_pointer(&self) -> usize {
        self.state.borrow().rx_next
    }

    /// The TX descriptor the MAC looks at next.
    pub fn tx_pointer(&self) -> usize {
        self.state.borrow().tx_next
    }

    /// Copies `bytes` into memory at `addr`, as the driver or the MAC's DMA does.
    pub fn write_mem(&self, addr: u32, bytes: &[u8]) {
        let start = addr as usize;
        self.memory.borrow_mut()[start..start + bytes.len()].copy_from_slice(bytes);
    }

    /// Copies `len` bytes at `addr` out of memory.
    pub fn read_mem(&self, addr: u32, len: usize) -> Vec<u8> {
        let start = addr as usize;
        self.memory.borrow()[start..start + len].to_vec()
    }
}

/// The Ethernet FCS of `data` (CRC-32, reflected polynomial 0xedb88320).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}
