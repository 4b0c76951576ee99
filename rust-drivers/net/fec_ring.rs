// SPDX-License-Identifier: GPL-2.0

//! Buffer descriptor rings of the i.MX ENET (FEC), free of kernel dependencies.
//!
//! The MAC reads and writes its descriptors by DMA. A TX descriptor belongs to the MAC while
//! its R bit is set, an RX descriptor while its E bit is set; whoever owns a descriptor may
//! change it, and handing it over is always the last write. This module keeps the driver's side
//! of that protocol: which slot to fill or read next, the bits to write, and what the MAC's
//! status bits mean. The driver provides the memory through [`Descriptors`] and owns the
//! buffers. The same file is built into the kernel driver and into a host crate, so the logic
//! can be tested against a simulated MAC.
//!
//! Limitations:
//! - One buffer per frame: TX never splits a frame, and an RX frame that spans several
//!   descriptors is reported as too long, all its descriptors included.
//! - When the MAC runs out of RX descriptors in the middle of a frame, the frame has no
//!   descriptor with L; the next frame is then taken as its continuation and also reported
//!   as too long.
//! - No timestamps, checksum offload or VLAN fields: `prot`, `bdu` and `ts` stay zero.

/// ENET enhanced buffer descriptor (ECR.EN1588 = 1), `struct bufdesc_ex` in the C driver.
///
/// In memory every field is little-endian; [`Descriptors`] implementations convert.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct BufDesc {
    /// Data length: bytes to send, or bytes received including the FCS.
    pub datlen: u16,
    /// Status and control: ownership, wrap, last, and errors.
    pub sc: u16,
    /// Bus address of the buffer.
    pub bufaddr: u32,
    /// Enhanced status and control: interrupt enables and enhanced status.
    pub esc: u32,
    /// Protocol checksum and header information.
    pub prot: u32,
    /// Last-buffer-descriptor-update flag written by the MAC.
    pub bdu: u32,
    /// IEEE 1588 timestamp.
    pub ts: u32,
    /// Reserved.
    pub res: [u16; 4],
}

const _: () = assert!(core::mem::size_of::<BufDesc>() == 32);

/// RX `sc`: empty, the descriptor belongs to the MAC.
pub const RX_E: u16 = 0x8000;
/// RX `sc`: wrap, the MAC continues at the ring start after this descriptor.
pub const RX_W: u16 = 0x2000;
/// RX `sc`: last descriptor of a frame.
pub const RX_L: u16 = 0x0800;
/// RX `sc`: frame longer than RCR.MAX_FL.
pub const RX_LG: u16 = 0x0020;
/// RX `sc`: frame length not a whole number of octets.
pub const RX_NO: u16 = 0x0010;
/// RX `sc`: short frame (`BD_ENET_RX_SH`); the C driver counts it as a length error.
pub const RX_SH: u16 = 0x0008;
/// RX `sc`: CRC error.
pub const RX_CR: u16 = 0x0004;
/// RX `sc`: FIFO overrun.
pub const RX_OV: u16 = 0x0002;
/// RX `sc`: frame truncated at the truncation length (`BD_ENET_RX_CL` in the C driver).
pub const RX_TR: u16 = 0x0001;

/// TX `sc`: ready, the descriptor belongs to the MAC.
pub const TX_R: u16 = 0x8000;
/// TX `sc`: wrap, the MAC continues at the ring start after this descriptor.
pub const TX_W: u16 = 0x2000;
/// TX `sc`: last descriptor of a frame.
pub const TX_L: u16 = 0x0800;
/// TX `sc`: the MAC appends the CRC.
pub const TX_TC: u16 = 0x0400;
/// TX `sc`: heartbeat error.
pub const TX_HB: u16 = 0x0100;
/// TX `sc`: late collision.
pub const TX_LC: u16 = 0x0080;
/// TX `sc`: retransmission limit reached.
pub const TX_RL: u16 = 0x0040;
/// TX `sc`: FIFO underrun.
pub const TX_UN: u16 = 0x0002;
/// TX `sc`: carrier sense lost.
pub const TX_CSL: u16 = 0x0001;
/// TX `sc`: every error bit, as the C driver counts them.
pub const TX_ERRORS: u16 = TX_HB | TX_LC | TX_RL | TX_UN | TX_CSL;

/// TX `esc`: raise TXF (and TXB) when the MAC is done with the descriptor.
pub const TX_INT: u32 = 0x4000_0000;
/// RX `esc`: raise RXF (and RXB) when the MAC has filled the descriptor.
pub const RX_INT: u32 = 0x0080_0000;

/// Bytes of FCS at the end of a received frame, counted in `datlen`.
pub const FCS_LEN: usize = 4;
/// Shortest frame worth passing on: an Ethernet header and the FCS.
pub const MIN_FRAME_LEN: usize = 14 + FCS_LEN;

/// Access to the descriptor array the MAC reads and writes by DMA.
///
/// Methods take `&self`: the memory is shared with the device, so implementations use
/// interior mutability (DMA-coherent memory in the kernel, cells on the host). A ring takes
/// its size from [`Descriptors::len`] when it is reset, so every `i` it passes is below that
/// length as long as the driver keeps passing the same array. Implementations convert
/// between native and little-endian values and must keep these orders:
/// - every store of [`Descriptors::write`] reaches the device before the store of the next
///   [`Descriptors::write_sc`] (the kernel puts `dma_wmb()` at the start of `write_sc`), since
///   `sc` hands the descriptor over;
/// - [`Descriptors::read_sc`] reads the memory afresh each time (a volatile read);
/// - [`Descriptors::read_datlen`] is called only after `read_sc` found the slot released by the
///   MAC, and must not be satisfied before that read (the kernel puts `dma_rmb()` at its
///   start, which also orders the driver's later reads of the buffer).
// The length of a descriptor array is fixed; no ring asks whether it is empty.
#[allow(clippy::len_without_is_empty)]
pub trait Descriptors {
    /// Number of descriptors.
    fn len(&self) -> usize;

    /// Reads `sc` of descriptor `i`.
    fn read_sc(&self, i: usize) -> u16;

    /// Reads `datlen` of descriptor `i`.
    fn read_datlen(&self, i: usize) -> u16;

    /// Writes `datlen`, `bufaddr` and `esc` of descriptor `i`, and zeroes `prot` and `bdu`;
    /// leaves `sc` as it is.
    fn write(&self, i: usize, datlen: u16, bufaddr: u32, esc: u32);

    /// Writes `sc` of descriptor `i`, after everything written before.
    fn write_sc(&self, i: usize, sc: u16);
}

/// Returns the slot after `i` in a ring of `size` slots.
const fn advance(i: usize, size: usize) -> usize {
    if i + 1 >= size {
        0
    } else {
        i + 1
    }
}

/// Returns the wrap bit `w` if `i` is the last slot of a ring of `size` slots.
const fn wrap_bit(i: usize, size: usize, w: u16) -> u16 {
    if i + 1 == size {
        w
    } else {
        0
    }
}

/// Every TX slot is owned by the MAC; `push` has to wait for `reclaim`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingFull;

/// How the MAC finished a TX descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxStatus {
    /// The error bits of `sc` (within [`TX_ERRORS`]); zero when the frame went out.
    pub errors: u16,
}

impl TxStatus {
    /// Whether the frame was sent without error.
    pub const fn is_ok(self) -> bool {
        self.errors == 0
    }
}

/// The driver's view of a TX ring.
///
/// Slots from `tail` up to `head` (exclusive, `used` of them) hold frames pushed and not yet
/// reclaimed; the others are free, with R clear.
///
/// # Invariants
///
/// `size` is the length of the descriptor array at the last reset, zero before the first.
/// `head < size` and `tail < size` unless `size` is zero; `used <= size`; `head` is `used`
/// slots after `tail`.
#[derive(Debug, Default)]
pub struct TxRing {
    size: usize,
    head: usize,
    tail: usize,
    used: usize,
}

impl TxRing {
    /// A ring without slots: [`TxRing::reset`] sizes it to its descriptor array.
    pub const fn new() -> Self {
        Self {
            size: 0,
            head: 0,
            tail: 0,
            used: 0,
        }
    }

    /// Takes its size from `d`, clears every descriptor, sets W on the last, and forgets
    /// every pushed frame; every later call must pass the same `d`.
    ///
    /// Only while the MAC is stopped (ECR.ETHEREN clear, which also returns its TX pointer to
    /// TDSR), and after the driver has freed the buffers of [`TxRing::in_flight_slots`].
    pub fn reset(&mut self, d: &impl Descriptors) {
        self.size = d.len();
        for i in 0..self.size {
            d.write(i, 0, 0, 0);
            d.write_sc(i, wrap_bit(i, self.size, TX_W));
        }
        self.head = 0;
        self.tail = 0;
        self.used = 0;
    }

    /// Number of slots pushed and not yet reclaimed.
    pub const fn in_flight(&self) -> usize {
        self.used
    }

    /// Number of slots [`TxRing::push`] can fill now.
    pub const fn free(&self) -> usize {
        self.size - self.used
    }

    /// Whether [`TxRing::push`] would fail.
    pub const fn is_full(&self) -> bool {
        self.free() == 0
    }

    /// Hands the frame of `len` bytes at bus address `bufaddr` to the MAC and returns its
    /// slot, so the driver can remember the buffer there. The driver then writes TDAR.
    pub fn push(
        &mut self,
        d: &impl Descriptors,
        bufaddr: u32,
        len: u16,
    ) -> Result<usize, RingFull> {
        if self.is_full() {
            return Err(RingFull);
        }
        let i = self.head;

        // QEMU raises TXF only for descriptors with TX_INT.
        d.write(i, len, bufaddr, TX_INT);
        d.write_sc(i, TX_R | TX_L | TX_TC | wrap_bit(i, self.size, TX_W));

        self.head = advance(i, self.size);
        self.used += 1;
        Ok(i)
    }

    /// Takes back the oldest pushed slot if the MAC has released it (R clear), with how the
    /// frame went; `None` while the MAC still owns it or nothing is in flight. Slots come
    /// back in push order, each once.
    pub fn reclaim(&mut self, d: &impl Descriptors) -> Option<(usize, TxStatus)> {
        if self.used == 0 {
            return None;
        }
        let i = self.tail;
        let sc = d.read_sc(i);
        if sc & TX_R != 0 {
            return None;
        }

        self.tail = advance(i, self.size);
        self.used -= 1;
        Some((
            i,
            TxStatus {
                errors: sc & TX_ERRORS,
            },
        ))
    }

    /// The slot [`TxRing::reclaim`] looks at next.
    pub const fn tail_index(&self) -> usize {
        self.tail
    }

    /// Slots pushed and not yet reclaimed, oldest first, whatever the MAC has done with them:
    /// what the driver frees when it stops the MAC.
    pub fn in_flight_slots(&self) -> impl Iterator<Item = usize> {
        let (size, tail) = (self.size, self.tail);
        (0..self.used).map(move |n| (tail + n) % size)
    }
}

/// Why a received descriptor holds no usable frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxError {
    /// Longer than the maximum frame length (LG, or more than the ring's limit), or spread
    /// over several descriptors.
    TooLong,
    /// Shorter than an Ethernet header and FCS.
    Runt,
    /// CRC error (CR).
    Crc,
    /// The receive FIFO overflowed (OV).
    Overrun,
    /// Not a whole number of octets (NO).
    NonOctet,
    /// Cut at the truncation length (TR).
    Truncated,
}

/// What a filled RX descriptor holds: a frame of that many bytes without the FCS, or an error.
pub type RxFrame = Result<usize, RxError>;

/// [`RxRing::release`] was called for a slot that [`RxRing::next`] did not hand out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotHeld;

/// The driver's view of an RX ring.
///
/// The driver takes the filled slot with [`RxRing::next`], copies the frame out, and gives
/// the slot back with [`RxRing::release`]; only then does `next` move on.
///
/// # Invariants
///
/// `size` is the length of the descriptor array at the last reset, zero before the first.
/// `next < size` unless `size` is zero. `held` is `Some` only between `next` returning slot
/// `next` and its release, and then says whether that descriptor has L.
#[derive(Debug)]
pub struct RxRing {
    size: usize,
    next: usize,
    max_frame_len: usize,
    /// The slot before `next` had no L: descriptors up to the next L continue its frame.
    continued: bool,
    held: Option<bool>,
}

impl RxRing {
    /// A ring without slots that accepts frames of up to `max_frame_len` bytes including the
    /// FCS, as RCR.MAX_FL counts them (1518 for untagged Ethernet). [`RxRing::reset`] sizes
    /// it to its descriptor array.
    pub const fn new(max_frame_len: usize) -> Self {
        Self {
            size: 0,
            next: 0,
            max_frame_len,
            continued: false,
            held: None,
        }
    }

    /// Takes its size from `d`, gives every descriptor to the MAC with buffer `bufaddr(i)`,
    /// and sets W on the last; every later call must pass the same `d`.
    ///
    /// Only while the MAC is stopped (ECR.ETHEREN clear, which also returns its RX pointer to
    /// RDSR); the MAC starts filling when the driver then writes RDAR.
    pub fn reset(&mut self, d: &impl Descriptors, bufaddr: impl Fn(usize) -> u32) {
        self.size = d.len();
        for i in 0..self.size {
            self.give(d, i, bufaddr(i));
        }
        self.next = 0;
        self.continued = false;
        self.held = None;
    }

    /// Returns the next slot the MAC has filled (E clear), with what it holds; `None` while
    /// the MAC still owns it. Until that slot is released, every call returns it again.
    pub fn next(&mut self, d: &impl Descriptors) -> Option<(usize, RxFrame)> {
        if self.size == 0 {
            return None;
        }
        let i = self.next;
        let sc = d.read_sc(i);
        if sc & RX_E != 0 {
            return None;
        }

        let datlen = usize::from(d.read_datlen(i));
        self.held = Some(sc & RX_L != 0);
        Some((i, self.classify(sc, datlen)))
    }

    /// Gives slot `i` back to the MAC with buffer `bufaddr` (the slot's buffer, or a new one)
    /// and moves on to the next slot. The driver then writes RDAR, which the MAC clears when
    /// it finds no empty descriptor.
    ///
    /// `i` must be the slot the last [`RxRing::next`] returned; for any other slot, or when
    /// no slot is held, nothing is written and the ring stays as it was.
    pub fn release(&mut self, d: &impl Descriptors, i: usize, bufaddr: u32) -> Result<(), NotHeld> {
        let last = match self.held {
            Some(last) if i == self.next => last,
            _ => return Err(NotHeld),
        };

        self.give(d, i, bufaddr);
        self.continued = !last;
        self.next = advance(i, self.size);
        self.held = None;
        Ok(())
    }

    /// Writes descriptor `i` empty with buffer `bufaddr`, then hands it to the MAC.
    fn give(&self, d: &impl Descriptors, i: usize, bufaddr: u32) {
        // QEMU raises RXF only for descriptors with RX_INT.
        d.write(i, 0, bufaddr, RX_INT);
        d.write_sc(i, RX_E | wrap_bit(i, self.size, RX_W));
    }

    /// What a descriptor with status `sc` and `datlen` bytes holds.
    fn classify(&self, sc: u16, datlen: usize) -> RxFrame {
        // A frame larger than the buffer: the MAC sets L only on its last descriptor.
        if self.continued || sc & RX_L == 0 {
            return Err(RxError::TooLong);
        }
        // The C driver ranks an overrun first: the other bits may not be valid then.
        if sc & RX_OV != 0 {
            return Err(RxError::Overrun);
        }
        if sc & RX_TR != 0 {
            return Err(RxError::Truncated);
        }
        if sc & RX_LG != 0 || datlen > self.max_frame_len {
            return Err(RxError::TooLong);
        }
        if sc & RX_NO != 0 {
            return Err(RxError::NonOctet);
        }
        if sc & RX_CR != 0 {
            return Err(RxError::Crc);
        }
        if sc & RX_SH != 0 || datlen < MIN_FRAME_LEN {
            return Err(RxError::Runt);
        }
        Ok(datlen - FCS_LEN)
    }
}
