// SPDX-License-Identifier: GPL-2.0

//! The driver's hardware logic against the simulated bank: lines through the pin traits,
//! then each interrupt type with the flow the kernel uses for it.

use imx_gpio_host::hw::{self, Sense};
use imx_gpio_host::pins::{InputPin, OutputPin, Port, StatefulOutputPin};
use imx_gpio_host::sim::SimBank;

#[test]
fn output_drives_pad_and_reads_back() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    let mut led = port.output(7, false).unwrap();

    assert!(!sim.pad(7));
    led.set_high().unwrap();
    assert!(sim.pad(7));
    assert!(led.is_set_high().unwrap());
    led.set_low().unwrap();
    assert!(!sim.pad(7));
    assert!(led.is_set_low().unwrap());
}

#[test]
fn output_starts_at_its_level_without_a_glitch() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    sim.drive(4, true);

    // DR is written before GDIR: the pad goes from the outside level straight to DR's.
    let _out = port.output(4, true).unwrap();
    assert!(sim.pad(4));
    let (bank, _) = port.parts();
    assert_eq!(bank.pending(&Default::default()).unwrap(), 0);
}

#[test]
fn input_follows_the_pad() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    let mut button = port.input(20).unwrap();

    assert!(button.is_low().unwrap());
    sim.drive(20, true);
    assert!(button.is_high().unwrap());
    sim.drive(20, false);
    assert!(button.is_low().unwrap());
}

#[test]
fn set_multiple_changes_only_masked_lines() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    let _a = port.output(1, true).unwrap();
    let _b = port.output(2, false).unwrap();
    let _c = port.output(3, true).unwrap();
    let (bank, shadow) = port.parts();

    bank.set_multiple(&mut shadow.borrow_mut(), 0b0110, 0b0100)
        .unwrap();
    assert_eq!((sim.pad(1), sim.pad(2), sim.pad(3)), (false, true, true));
}

/// Runs the kernel's flow for one parent interrupt and returns the lines handled.
///
/// Edges: `handle_edge_irq` acks, then the handler runs. Levels: `handle_level_irq` masks
/// and acks, runs the handler, and unmasks.
fn service(port: &Port<'_, SimBank>, sense: Sense) -> Vec<u32> {
    let (bank, shadow) = port.parts();
    let mut handled = Vec::new();
    let pending = bank.pending(&shadow.borrow()).unwrap();
    for line in hw::lines(pending) {
        bank.flip_emulated_edge(&mut shadow.borrow_mut(), line)
            .unwrap();
        let level = matches!(sense, Sense::High | Sense::Low)
            || shadow.borrow().emulated_both & hw::bit(line) != 0;
        if level {
            bank.enable_irq(&mut shadow.borrow_mut(), line, false)
                .unwrap();
        }
        bank.ack(line).unwrap();
        handled.push(line);
        if level {
            bank.enable_irq(&mut shadow.borrow_mut(), line, true)
                .unwrap();
        }
    }
    handled
}

/// Sets `line` up for `sense`, then drives the pad through `levels`, servicing after each
/// step, and returns how many events the line produced.
fn count_events(layout: &'static hw::Layout, line: u32, sense: Sense, levels: &[bool]) -> usize {
    let sim = SimBank::new(layout);
    let port = Port::new(&sim, layout).unwrap();
    let (bank, shadow) = port.parts();
    bank.set_trigger(&mut shadow.borrow_mut(), line, sense)
        .unwrap();
    bank.enable_irq(&mut shadow.borrow_mut(), line, true)
        .unwrap();

    let mut events = 0;
    for &level in levels {
        sim.drive(line, level);
        let handled = service(&port, sense);
        assert!(
            handled.iter().all(|&l| l == line),
            "other lines fired: {handled:?}"
        );
        events += handled.len();
    }
    events
}

const PULSES: [bool; 6] = [true, false, true, false, true, false];

#[test]
fn rising_edges_fire_once_each() {
    assert_eq!(count_events(&hw::IMX35, 5, Sense::Rising, &PULSES), 3);
}

#[test]
fn falling_edges_fire_once_each() {
    assert_eq!(count_events(&hw::IMX35, 21, Sense::Falling, &PULSES), 3);
}

#[test]
fn both_edges_with_edge_sel() {
    assert_eq!(count_events(&hw::IMX35, 9, Sense::Both, &PULSES), 6);
}

#[test]
fn both_edges_emulated_without_edge_sel() {
    assert_eq!(count_events(&hw::IMX31, 9, Sense::Both, &PULSES), 6);
}

/// A level input fires at every service while the level holds, and stops once it is gone.
fn level_holds_then_stops(layout: &'static hw::Layout, line: u32, sense: Sense, active: bool) {
    let sim = SimBank::new(layout);
    let port = Port::new(&sim, layout).unwrap();
    let (bank, shadow) = port.parts();
    sim.drive(line, !active);
    bank.set_trigger(&mut shadow.borrow_mut(), line, sense)
        .unwrap();
    bank.enable_irq(&mut shadow.borrow_mut(), line, true)
        .unwrap();
    assert!(service(&port, sense).is_empty(), "fired while inactive");

    sim.drive(line, active);
    for _ in 0..3 {
        assert_eq!(service(&port, sense), [line]);
    }

    // The handler ends the condition (the device releases the line); what latched before
    // is served once, then the input stays quiet.
    sim.drive(line, !active);
    assert!(service(&port, sense).len() <= 1);
    assert!(service(&port, sense).is_empty());
}

#[test]
fn high_level_fires_while_high_only() {
    level_holds_then_stops(&hw::IMX35, 12, Sense::High, true);
}

#[test]
fn low_level_fires_while_low_only() {
    level_holds_then_stops(&hw::IMX35, 30, Sense::Low, false);
}

#[test]
fn burst_of_edges_counts_exactly() {
    let burst: Vec<bool> = (0..400).map(|i| i % 2 == 0).collect();
    assert_eq!(count_events(&hw::IMX35, 17, Sense::Rising, &burst), 200);
    assert_eq!(count_events(&hw::IMX35, 17, Sense::Both, &burst), 400);
}

#[test]
fn masked_events_latch_but_raise_nothing() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    let (bank, shadow) = port.parts();
    bank.set_trigger(&mut shadow.borrow_mut(), 3, Sense::Rising)
        .unwrap();

    sim.drive(3, true);
    assert!(!sim.parent_irq(false));
    assert_eq!(bank.pending(&shadow.borrow()).unwrap(), 0);

    // Unmasking delivers the latched edge; set_trigger would have dropped an older one.
    bank.enable_irq(&mut shadow.borrow_mut(), 3, true).unwrap();
    assert!(sim.parent_irq(false));
    assert_eq!(bank.pending(&shadow.borrow()).unwrap(), hw::bit(3));
}

#[test]
fn lines_split_over_two_parents() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    let (bank, shadow) = port.parts();
    for line in [3, 20] {
        bank.set_trigger(&mut shadow.borrow_mut(), line, Sense::Rising)
            .unwrap();
        bank.enable_irq(&mut shadow.borrow_mut(), line, true)
            .unwrap();
    }

    sim.drive(20, true);
    assert_eq!((sim.parent_irq(false), sim.parent_irq(true)), (false, true));
    bank.ack(20).unwrap();
    sim.drive(3, true);
    assert_eq!((sim.parent_irq(false), sim.parent_irq(true)), (true, false));
}

#[test]
fn set_trigger_drops_stale_events_and_makes_an_input() {
    let sim = SimBank::new(&hw::IMX35);
    let port = Port::new(&sim, &hw::IMX35).unwrap();
    let _out = port.output(6, true).unwrap();
    let (bank, shadow) = port.parts();

    // Reset ICR is low level: the low pad latched ISR long ago.
    sim.drive(8, false);
    bank.set_trigger(&mut shadow.borrow_mut(), 8, Sense::Rising)
        .unwrap();
    bank.enable_irq(&mut shadow.borrow_mut(), 8, true).unwrap();
    assert_eq!(bank.pending(&shadow.borrow()).unwrap(), 0);

    bank.set_trigger(&mut shadow.borrow_mut(), 6, Sense::Falling)
        .unwrap();
    assert_eq!(shadow.borrow().gdir & hw::bit(6), 0);
}

#[test]
fn icr_fields_and_codes() {
    assert_eq!(hw::icr_field(0), (0, 0));
    assert_eq!(hw::icr_field(15), (0, 30));
    assert_eq!(hw::icr_field(16), (1, 0));
    assert_eq!(hw::with_icr(u32::MAX, 5, hw::ICR_LOW_LEVEL), !(0b11 << 10));
    assert_eq!(
        hw::icr_code(hw::with_icr(0, 31, hw::ICR_FALLING), 31),
        hw::ICR_FALLING
    );
    assert_eq!(hw::lines(0b1010_0001).collect::<Vec<_>>(), [0, 5, 7]);
}
