// SPDX-License-Identifier: GPL-2.0

//! The descriptor rings against the simulated MAC: TX push and reclaim, RX next and release,
//! every RX error class, the order of descriptor writes, and what misuse does.

use fec_ring_host::ring::*;
use fec_ring_host::sim::{Access, Config, SimMac, BDU, EIR_RXB, EIR_RXF, EIR_TXB, EIR_TXF};

/// Driver-side TX buffers: eight of them, so with rings of up to eight slots the buffer of
/// frame `n` is free again by the time frame `n + 8` is pushed.
fn tx_buf(n: usize) -> u32 {
    0x1000 + (n % 8) as u32 * 0x800
}

/// Driver-side RX buffer of slot `i`.
fn rx_buf(i: usize) -> u32 {
    0x6000 + i as u32 * 0x800
}

/// Frame number `n`, `len` bytes long.
fn frame(n: usize, len: usize) -> Vec<u8> {
    (0..len).map(|k| (n * 7 + k) as u8).collect()
}

fn mac(tx_len: usize, rx_len: usize) -> SimMac {
    SimMac::new(Config {
        tx_len,
        rx_len,
        ..Config::default()
    })
}

/// A started MAC with reset rings, as the driver's open leaves it.
fn open(config: Config) -> (SimMac, TxRing, RxRing) {
    let sim = SimMac::new(config);
    let mut tx = TxRing::new();
    let mut rx = RxRing::new(1518);
    tx.reset(&sim.tx);
    rx.reset(&sim.rx, rx_buf);
    sim.enable();
    sim.write_rdar();
    sim.tx.take_log();
    sim.rx.take_log();
    (sim, tx, rx)
}

/// Copies frame `n` into its buffer and pushes it.
fn send(sim: &SimMac, tx: &mut TxRing, n: usize, len: usize) -> Result<usize, RingFull> {
    sim.write_mem(tx_buf(n), &frame(n, len));
    tx.push(&sim.tx, tx_buf(n), len as u16)
}

/// Takes the next RX frame, copies it out and releases the slot, as the driver's poll does.
fn poll_one(sim: &SimMac, rx: &mut RxRing) -> Option<(usize, Result<Vec<u8>, RxError>)> {
    let (i, result) = rx.next(&sim.rx)?;
    let data = result.map(|len| sim.read_mem(rx_buf(i), len));
    rx.release(&sim.rx, i, rx_buf(i)).unwrap();
    sim.write_rdar();
    Some((i, data))
}

/// Checks that, for every slot touched, `sc` is written after the other fields and last.
fn assert_sc_last(log: &[Access]) {
    let slot = |a: &Access| match *a {
        Access::Write { i, .. } | Access::WriteSc { i, .. } => i,
    };
    for (n, a) in log.iter().enumerate() {
        if let Access::Write { i, .. } = *a {
            assert!(
                log[n + 1..]
                    .iter()
                    .any(|b| matches!(*b, Access::WriteSc { i: j, .. } if j == i)),
                "no sc written after the fields of slot {i}: {log:?}"
            );
        }
    }
    for a in log {
        let last = log.iter().rev().find(|b| slot(b) == slot(a)).unwrap();
        assert!(matches!(last, Access::WriteSc { .. }), "{log:?}");
    }
}

#[test]
fn bufdesc_is_the_enhanced_layout() {
    use core::mem::{offset_of, size_of};

    assert_eq!(size_of::<BufDesc>(), 32);
    assert_eq!(offset_of!(BufDesc, datlen), 0);
    assert_eq!(offset_of!(BufDesc, sc), 2);
    assert_eq!(offset_of!(BufDesc, bufaddr), 4);
    assert_eq!(offset_of!(BufDesc, esc), 8);
    assert_eq!(offset_of!(BufDesc, prot), 12);
    assert_eq!(offset_of!(BufDesc, bdu), 16);
    assert_eq!(offset_of!(BufDesc, ts), 20);
    assert_eq!(offset_of!(BufDesc, res), 24);
}

#[test]
fn tx_reset_clears_every_descriptor_and_wraps_the_last() {
    let sim = mac(4, 1);
    let mut tx = TxRing::new();
    tx.reset(&sim.tx);
    sim.write_mem(tx_buf(0), &frame(0, 60));
    tx.push(&sim.tx, tx_buf(0), 60).unwrap();
    assert_eq!(tx.in_flight(), 1);

    tx.reset(&sim.tx);
    for i in 0..4 {
        let d = sim.tx.get(i);
        let w = if i == 3 { TX_W } else { 0 };
        assert_eq!(
            d,
            BufDesc {
                sc: w,
                ..BufDesc::default()
            }
        );
    }
    assert_eq!((tx.in_flight(), tx.free(), tx.tail_index()), (0, 4, 0));
}

#[test]
fn tx_push_hands_over_with_ready_last_crc_and_interrupt() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 2,
        ..Config::default()
    });

    assert_eq!(send(&sim, &mut tx, 0, 60), Ok(0));
    assert_eq!(send(&sim, &mut tx, 1, 70), Ok(1));
    let d0 = sim.tx.get(0);
    assert_eq!(
        (d0.sc, d0.datlen, d0.bufaddr),
        (TX_R | TX_L | TX_TC, 60, tx_buf(0))
    );
    assert_eq!(d0.esc, TX_INT);
    assert_eq!(sim.tx.get(1).sc, TX_R | TX_L | TX_TC | TX_W);

    sim.write_tdar();
    assert_eq!(sim.take_sent(), vec![frame(0, 60), frame(1, 70)]);
    assert_eq!(sim.take_eir(), EIR_TXF | EIR_TXB);
    assert_eq!(sim.tx.get(1).bdu, BDU);
}

#[test]
fn tx_wraps_over_many_laps() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 4,
        ..Config::default()
    });

    for n in 0..50 {
        let len = 60 + n;
        assert_eq!(send(&sim, &mut tx, n, len), Ok(n % 4));
        sim.write_tdar();
        assert_eq!(sim.take_sent(), vec![frame(n, len)]);
        let (i, status) = tx.reclaim(&sim.tx).unwrap();
        assert_eq!((i, status.is_ok()), (n % 4, true));
        assert_eq!(tx.reclaim(&sim.tx), None);
        assert_eq!(sim.tx_pointer(), tx.tail_index());
    }
    assert_eq!(sim.tx.ownership_violations(), 0);
}

#[test]
fn tx_full_ring_refuses_until_reclaimed() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 4,
        ..Config::default()
    });

    for n in 0..4 {
        send(&sim, &mut tx, n, 60).unwrap();
    }
    assert!(tx.is_full());
    assert_eq!(tx.free(), 0);
    assert_eq!(send(&sim, &mut tx, 4, 60), Err(RingFull));
    // A refused push writes nothing.
    let log = sim.tx.take_log();
    assert_eq!(log.len(), 8);

    // The MAC still owns every slot.
    assert_eq!(tx.reclaim(&sim.tx), None);

    sim.write_tdar();
    assert_eq!(sim.take_sent().len(), 4);
    let slots: Vec<_> = core::iter::from_fn(|| tx.reclaim(&sim.tx)).collect();
    assert_eq!(slots.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!((tx.in_flight(), tx.free()), (0, 4));

    assert_eq!(send(&sim, &mut tx, 4, 60), Ok(0));
    sim.write_tdar();
    assert_eq!(sim.take_sent(), vec![frame(4, 60)]);
    assert_eq!(sim.tx.ownership_violations(), 0);
}

#[test]
fn tx_reclaim_in_order_and_never_twice() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 8,
        ..Config::default()
    });

    assert_eq!(tx.reclaim(&sim.tx), None, "nothing pushed yet");
    for n in 0..3 {
        send(&sim, &mut tx, n, 60).unwrap();
    }
    sim.write_tdar();
    for i in 0..3 {
        assert_eq!(tx.reclaim(&sim.tx).map(|s| s.0), Some(i));
    }
    // Released slots and never-pushed slots (R clear too) are not returned.
    assert_eq!(tx.reclaim(&sim.tx), None);
    assert_eq!(tx.reclaim(&sim.tx), None);

    send(&sim, &mut tx, 3, 60).unwrap();
    sim.write_tdar();
    assert_eq!(tx.reclaim(&sim.tx).map(|s| s.0), Some(3));
    assert_eq!(tx.reclaim(&sim.tx), None);
}

#[test]
fn tx_reclaim_stops_at_a_descriptor_the_mac_owns() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 8,
        ..Config::default()
    });

    send(&sim, &mut tx, 0, 60).unwrap();
    sim.write_tdar();
    send(&sim, &mut tx, 1, 60).unwrap();
    send(&sim, &mut tx, 2, 60).unwrap();

    assert_eq!(tx.reclaim(&sim.tx).map(|s| s.0), Some(0));
    assert_eq!(tx.reclaim(&sim.tx), None);
    assert_eq!((tx.in_flight(), tx.tail_index()), (2, 1));

    sim.write_tdar();
    assert_eq!(tx.reclaim(&sim.tx).map(|s| s.0), Some(1));
    assert_eq!(tx.reclaim(&sim.tx).map(|s| s.0), Some(2));
    assert_eq!(
        sim.take_sent(),
        vec![frame(0, 60), frame(1, 60), frame(2, 60)]
    );
}

#[test]
fn tx_reports_error_bits() {
    let (sim, mut tx, _) = open(Config::default());

    send(&sim, &mut tx, 0, 60).unwrap();
    sim.inject_tx_errors(TX_UN | TX_LC);
    sim.write_tdar();
    send(&sim, &mut tx, 1, 60).unwrap();
    sim.write_tdar();

    let (_, bad) = tx.reclaim(&sim.tx).unwrap();
    assert!(!bad.is_ok());
    assert_eq!(bad.errors, TX_UN | TX_LC);
    let (_, good) = tx.reclaim(&sim.tx).unwrap();
    assert_eq!(good, TxStatus { errors: 0 });
}

/// A small deterministic generator for interleavings.
struct XorShift(u32);

impl XorShift {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 % n
    }
}

#[test]
fn tx_interleaved_push_kick_reclaim() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 5,
        ..Config::default()
    });
    let mut rng = XorShift(0x1234_5678);
    let mut pushed = std::collections::VecDeque::new();
    let (mut next_frame, mut sent, mut reclaimed) = (0, Vec::new(), 0);

    for _ in 0..5000 {
        match rng.below(3) {
            0 => {
                let len = 60 + rng.below(100) as usize;
                match send(&sim, &mut tx, next_frame, len) {
                    Ok(i) => {
                        pushed.push_back((i, next_frame, len));
                        next_frame += 1;
                    }
                    Err(RingFull) => assert_eq!(pushed.len(), 5),
                }
            }
            1 => {
                sim.write_tdar();
                sent.extend(sim.take_sent());
            }
            _ => match tx.reclaim(&sim.tx) {
                Some((i, status)) => {
                    let (slot, n, len) = pushed.pop_front().unwrap();
                    assert_eq!((i, status.is_ok()), (slot, true));
                    // Sent and reclaimed in push order.
                    assert_eq!(sent[reclaimed], frame(n, len));
                    reclaimed += 1;
                }
                None => {
                    // Either nothing in flight, or the oldest is still ready for the MAC.
                    if let Some(&(slot, _, _)) = pushed.front() {
                        assert_ne!(sim.tx.get(slot).sc & TX_R, 0);
                    }
                }
            },
        }
        assert_eq!(tx.in_flight() + tx.free(), 5);
        assert_eq!(tx.in_flight(), pushed.len());
    }

    sim.write_tdar();
    sent.extend(sim.take_sent());
    while tx.reclaim(&sim.tx).is_some() {}
    assert_eq!(tx.in_flight(), 0);
    assert_eq!(sent.len(), next_frame);
    assert!(next_frame > 1000);
    assert_eq!(sim.tx.ownership_violations(), 0);
}

#[test]
fn tx_in_flight_slots_for_stop_then_reset() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 4,
        ..Config::default()
    });
    for n in 0..3 {
        send(&sim, &mut tx, n, 60).unwrap();
    }
    sim.write_tdar();
    while tx.reclaim(&sim.tx).is_some() {}
    for n in 3..6 {
        send(&sim, &mut tx, n, 60).unwrap();
    }
    sim.write_tdar();
    send(&sim, &mut tx, 6, 60).unwrap();
    assert_eq!(tx.reclaim(&sim.tx).map(|s| s.0), Some(3));

    // Sent or not, everything not reclaimed is the driver's to free, across the wrap.
    assert_eq!(tx.in_flight_slots().collect::<Vec<_>>(), [0, 1, 2]);

    sim.disable();
    tx.reset(&sim.tx);
    assert_eq!(tx.in_flight_slots().count(), 0);
    sim.enable();
    sim.take_sent();
    assert_eq!(send(&sim, &mut tx, 7, 60), Ok(0));
    sim.write_tdar();
    assert_eq!(sim.take_sent(), vec![frame(7, 60)]);
}

#[test]
fn rings_without_slots_do_nothing() {
    /// Every operation on rings of no slots: nothing is written, nothing handed out.
    fn check(sim: &SimMac, tx: &mut TxRing, rx: &mut RxRing) {
        assert!(tx.is_full());
        assert_eq!(tx.push(&sim.tx, 0x1000, 60), Err(RingFull));
        assert_eq!(tx.reclaim(&sim.tx), None);
        assert_eq!(tx.in_flight_slots().count(), 0);
        assert_eq!(rx.next(&sim.rx), None);
        assert_eq!(rx.release(&sim.rx, 0, 0), Err(NotHeld));
        assert!(sim.tx.take_log().is_empty() && sim.rx.take_log().is_empty());
    }

    // Not reset yet: the rings have no slots whatever the arrays hold.
    let sim = mac(4, 4);
    let (mut tx, mut rx) = (TxRing::new(), RxRing::new(1518));
    check(&sim, &mut tx, &mut rx);

    // Reset over empty arrays.
    let sim = mac(0, 0);
    tx.reset(&sim.tx);
    rx.reset(&sim.rx, rx_buf);
    check(&sim, &mut tx, &mut rx);
}

#[test]
fn descriptor_fields_are_written_before_sc() {
    let (sim, mut tx, _) = open(Config {
        tx_len: 2,
        rx_len: 3,
        ..Config::default()
    });

    // TX push: fields, then sc.
    for n in 0..3 {
        send(&sim, &mut tx, n, 60 + n).unwrap();
        sim.write_tdar();
        tx.reclaim(&sim.tx).unwrap();
    }
    let log = sim.tx.take_log();
    assert_eq!(log.len(), 6);
    assert_eq!(
        &log[..2],
        [
            Access::Write {
                i: 0,
                datlen: 60,
                bufaddr: tx_buf(0),
                esc: TX_INT
            },
            Access::WriteSc {
                i: 0,
                sc: TX_R | TX_L | TX_TC
            },
        ]
    );
    assert_sc_last(&log);

    // RX reset and release: fields, then sc.
    let mut rx = RxRing::new(1518);
    sim.disable();
    rx.reset(&sim.rx, rx_buf);
    let log = sim.rx.take_log();
    assert_eq!(log.len(), 6);
    assert_eq!(
        log[4..],
        [
            Access::Write {
                i: 2,
                datlen: 0,
                bufaddr: rx_buf(2),
                esc: RX_INT
            },
            Access::WriteSc {
                i: 2,
                sc: RX_E | RX_W
            },
        ]
    );
    assert_sc_last(&log);

    sim.enable();
    sim.write_rdar();
    for n in 0..4 {
        sim.receive(&frame(n, 64));
        assert_eq!(poll_one(&sim, &mut rx).unwrap().1, Ok(frame(n, 64)));
    }
    let log = sim.rx.take_log();
    assert_eq!(log.len(), 8);
    assert_sc_last(&log);
}

#[test]
fn rx_reset_gives_every_descriptor_to_the_mac() {
    let sim = mac(1, 4);
    let mut rx = RxRing::new(1518);
    rx.reset(&sim.rx, rx_buf);

    for i in 0..4 {
        let d = sim.rx.get(i);
        let w = if i == 3 { RX_W } else { 0 };
        let want = BufDesc {
            sc: RX_E | w,
            bufaddr: rx_buf(i),
            esc: RX_INT,
            ..BufDesc::default()
        };
        assert_eq!(d, want);
    }
    assert_eq!(rx.next(&sim.rx), None);
}

#[test]
fn rx_in_order_with_wrap() {
    let (sim, _, mut rx) = open(Config {
        rx_len: 4,
        ..Config::default()
    });

    for n in 0..30 {
        let len = 60 + 13 * n;
        assert!(sim.receive(&frame(n, len)));
        assert_eq!(sim.take_eir(), EIR_RXF);
        let (i, data) = poll_one(&sim, &mut rx).unwrap();
        assert_eq!((i, data), (n % 4, Ok(frame(n, len))));
        assert_eq!(rx.next(&sim.rx), None);
    }

    // Several frames in, then a batch out.
    for n in 30..33 {
        sim.receive(&frame(n, 100));
    }
    for n in 30..33 {
        assert_eq!(poll_one(&sim, &mut rx).unwrap().1, Ok(frame(n, 100)));
    }
    assert_eq!(rx.next(&sim.rx), None);
    assert_eq!(sim.rx.ownership_violations(), 0);
}

/// Receives `len` bytes with `errors` injected and returns what the ring makes of them.
fn classify(config: Config, max_frame_len: usize, len: usize, errors: u16) -> RxFrame {
    let sim = SimMac::new(config);
    let mut rx = RxRing::new(max_frame_len);
    rx.reset(&sim.rx, rx_buf);
    sim.enable();
    sim.write_rdar();
    sim.inject_rx_errors(errors);
    sim.receive(&frame(0, len));
    rx.next(&sim.rx).unwrap().1
}

#[test]
fn rx_error_classes() {
    let c = Config::default();
    let big = Config {
        mrbr: 2048,
        max_fl: 2000,
        ..c
    };

    assert_eq!(classify(c, 1518, 100, 0), Ok(100));
    assert_eq!(classify(c, 1518, 100, RX_CR), Err(RxError::Crc));
    assert_eq!(classify(c, 1518, 100, RX_OV), Err(RxError::Overrun));
    assert_eq!(classify(c, 1518, 100, RX_OV | RX_CR), Err(RxError::Overrun));
    assert_eq!(classify(c, 1518, 100, RX_NO), Err(RxError::NonOctet));
    assert_eq!(classify(c, 1518, 100, RX_SH), Err(RxError::Runt));
    assert_eq!(classify(c, 1518, 100, RX_LG), Err(RxError::TooLong));
    // Longer than RCR.MAX_FL: the MAC sets LG.
    assert_eq!(classify(big, 1518, 1600, 0), Err(RxError::TooLong));
    // Cut at FTRL: TR and LG; truncation is the more precise report.
    let short_ftrl = Config { ftrl: 200, ..c };
    assert_eq!(classify(short_ftrl, 1518, 300, 0), Err(RxError::Truncated));
}

#[test]
fn rx_length_limits() {
    let c = Config::default();
    let lax = Config {
        mrbr: 2048,
        max_fl: 2000,
        ..c
    };

    // A header alone is the shortest frame passed on.
    assert_eq!(classify(c, 1518, 14, 0), Ok(14));
    assert_eq!(classify(c, 1518, 13, 0), Err(RxError::Runt));
    assert_eq!(classify(c, 1518, 0, 0), Err(RxError::Runt));
    // 1514 bytes and FCS fill RCR.MAX_FL exactly.
    assert_eq!(classify(c, 1518, 1514, 0), Ok(1514));
    assert_eq!(classify(lax, 1518, 1514, 0), Ok(1514));
    // The MAC lets 1515 bytes pass without LG; the ring's own limit catches them.
    assert_eq!(classify(lax, 1518, 1515, 0), Err(RxError::TooLong));
    assert_eq!(classify(lax, 1522, 1518, 0), Ok(1518));
}

#[test]
fn rx_frame_over_several_descriptors_is_too_long_in_each() {
    let (sim, _, mut rx) = open(Config {
        rx_len: 4,
        mrbr: 256,
        ..Config::default()
    });

    sim.receive(&frame(0, 600));
    assert_eq!(sim.take_eir(), EIR_RXB | EIR_RXF);
    let lasts: Vec<_> = (0..3).map(|i| sim.rx.get(i).sc & RX_L != 0).collect();
    assert_eq!(lasts, [false, false, true]);

    for i in 0..3 {
        assert_eq!(poll_one(&sim, &mut rx), Some((i, Err(RxError::TooLong))));
    }
    sim.receive(&frame(1, 100));
    assert_eq!(poll_one(&sim, &mut rx), Some((3, Ok(frame(1, 100)))));
}

#[test]
fn rx_full_ring_drops_until_release_and_rdar() {
    let (sim, _, mut rx) = open(Config {
        rx_len: 4,
        ..Config::default()
    });

    for n in 0..4 {
        assert!(sim.receive(&frame(n, 80)));
    }
    // No empty descriptor left: RDAR clears and the next frame is dropped.
    assert!(!sim.rdar());
    assert!(!sim.receive(&frame(4, 80)));
    assert_eq!(sim.dropped(), 1);

    // Releasing alone does not restart the MAC; writing RDAR does.
    let (i, len) = rx.next(&sim.rx).unwrap();
    assert_eq!((i, len), (0, Ok(80)));
    rx.release(&sim.rx, i, rx_buf(i)).unwrap();
    assert!(!sim.receive(&frame(5, 80)));
    assert_eq!(sim.dropped(), 2);
    sim.write_rdar();
    assert!(sim.receive(&frame(6, 80)));
    assert_eq!(sim.rx_pointer(), 1);

    for n in [1, 2, 3, 6] {
        assert_eq!(poll_one(&sim, &mut rx).unwrap().1, Ok(frame(n, 80)));
    }
    assert_eq!(rx.next(&sim.rx), None);
    assert_eq!(sim.rx.ownership_violations(), 0);
}

#[test]
fn rx_lost_end_of_frame_costs_the_next_frame_too() {
    let (sim, _, mut rx) = open(Config {
        rx_len: 4,
        mrbr: 256,
        ..Config::default()
    });

    for n in 0..3 {
        sim.receive(&frame(n, 100));
    }
    // Needs three descriptors, one is left: the MAC fills it without L and loses the rest.
    sim.receive(&frame(3, 600));
    assert_eq!(sim.lost_ends(), 1);

    for n in 0..3 {
        assert_eq!(poll_one(&sim, &mut rx).unwrap().1, Ok(frame(n, 100)));
    }
    assert_eq!(poll_one(&sim, &mut rx), Some((3, Err(RxError::TooLong))));

    // The ring cannot tell the next frame from the lost end: it is dropped as too long.
    sim.receive(&frame(4, 100));
    sim.receive(&frame(5, 100));
    assert_eq!(poll_one(&sim, &mut rx), Some((0, Err(RxError::TooLong))));
    assert_eq!(poll_one(&sim, &mut rx), Some((1, Ok(frame(5, 100)))));
}

#[test]
fn rx_release_of_another_slot_is_refused_and_harmless() {
    let (sim, _, mut rx) = open(Config {
        rx_len: 4,
        ..Config::default()
    });

    // Nothing held yet.
    assert_eq!(rx.release(&sim.rx, 0, rx_buf(0)), Err(NotHeld));
    sim.receive(&frame(0, 80));
    sim.receive(&frame(1, 90));

    let first = rx.next(&sim.rx).unwrap();
    assert_eq!(first, (0, Ok(80)));
    // A slot that was not handed out, filled or not, and one out of range.
    assert_eq!(rx.release(&sim.rx, 1, rx_buf(1)), Err(NotHeld));
    assert_eq!(rx.release(&sim.rx, 2, rx_buf(2)), Err(NotHeld));
    assert_eq!(rx.release(&sim.rx, 9, rx_buf(0)), Err(NotHeld));
    assert!(
        sim.rx.take_log().is_empty(),
        "a refused release writes nothing"
    );

    // Until released, the same slot comes back with the same frame.
    assert_eq!(rx.next(&sim.rx), Some(first));
    assert_eq!(rx.release(&sim.rx, 0, rx_buf(0)), Ok(()));
    // A second release of the same slot is refused: the MAC may own it again.
    assert_eq!(rx.release(&sim.rx, 0, rx_buf(0)), Err(NotHeld));
    assert_eq!(sim.rx.take_log().len(), 2);

    assert_eq!(rx.next(&sim.rx), Some((1, Ok(90))));
    assert_eq!(rx.release(&sim.rx, 1, rx_buf(1)), Ok(()));
    assert_eq!(rx.next(&sim.rx), None);
    assert_eq!(sim.rx.ownership_violations(), 0);
}

#[test]
fn rx_release_can_swap_the_buffer() {
    let (sim, _, mut rx) = open(Config {
        rx_len: 2,
        ..Config::default()
    });
    let spare = 0xa000;

    sim.receive(&frame(0, 80));
    let (i, _) = rx.next(&sim.rx).unwrap();
    rx.release(&sim.rx, i, spare).unwrap();
    sim.receive(&frame(1, 80));
    sim.receive(&frame(2, 80));

    assert_eq!(poll_one(&sim, &mut rx).unwrap().1, Ok(frame(1, 80)));
    let (i, len) = rx.next(&sim.rx).unwrap();
    assert_eq!((i, len), (0, Ok(80)));
    assert_eq!(sim.read_mem(spare, 80), frame(2, 80));
}

#[test]
fn rx_mac_walks_only_what_the_ring_set_up() {
    // The MAC panics if it runs past the last descriptor without W; many laps show the
    // ring keeps W there through every release.
    let (sim, _, mut rx) = open(Config {
        rx_len: 3,
        ..Config::default()
    });
    for n in 0..100 {
        sim.receive(&frame(n, 64));
        assert_eq!(poll_one(&sim, &mut rx).unwrap().1, Ok(frame(n, 64)));
    }
    assert_eq!(sim.rx.get(2).sc, RX_E | RX_W);
    assert_eq!(sim.rx_pointer(), 100 % 3);
}
