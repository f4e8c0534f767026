//! The client over BIP324 against the testkit node: a sync over v2, the v1 fallback with a
//! v1-only node, and `Require` refusing to fall back.

use dashlite::machine::Event;
use dashlite::p2p::{DisconnectReason, V2Policy};
use dashlite::sync::SyncEvent;
use dashlite_testkit::harness::{MachineClient, MachineConfig};
use dashlite_testkit::{NodeConfig, NodeTransport, SharedChain, TestNode};

fn synced_at(height: u32) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Sync(SyncEvent::Synced { height: h }) if *h == height)
}

fn node(chain: &SharedChain, transport: NodeTransport) -> TestNode {
    TestNode::start_with(chain, NodeConfig::default().with_transport(transport))
        .expect("testkit node")
}

#[test]
fn the_client_syncs_over_v2_from_a_v2_node() {
    let chain = SharedChain::with_blocks(40);
    let node = node(&chain, NodeTransport::V2);
    let mut client = MachineClient::start(MachineConfig::new(&[node.addr()]));
    client.wait_ready(node.addr());
    client.first("synced at the tip", synced_at(40));
    assert_eq!(node.v2_sessions(), 1, "the one connection is a BIP324 session");
    assert!(client.disconnects_of(node.addr()).is_empty());
    // New blocks are announced and fetched over the same session.
    node.mine(3);
    node.announce();
    client.first("synced at the new tip", synced_at(43));
    assert_eq!(node.v2_sessions(), 1);
    client.stop();
}

#[test]
fn a_v1_only_node_is_reached_by_falling_back_to_v1() {
    let chain = SharedChain::with_blocks(12);
    let node = node(&chain, NodeTransport::V1Only);
    let mut client = MachineClient::start(MachineConfig::new(&[node.addr()]));
    assert_eq!(client.wait_gone(node.addr()), DisconnectReason::V2Refused);
    client.wait_ready(node.addr());
    client.first("synced at the tip", synced_at(12));
    assert_eq!(node.v2_sessions(), 0);
    assert_eq!(client.disconnects_of(node.addr()), vec![DisconnectReason::V2Refused]);
    client.stop();
}

#[test]
fn requiring_v2_never_speaks_v1_to_a_v1_only_node() {
    let chain = SharedChain::with_blocks(5);
    let v1_node = node(&chain, NodeTransport::V1Only);
    let v2_node = node(&chain, NodeTransport::V2);
    let mut config = MachineConfig::new(&[v1_node.addr(), v2_node.addr()]);
    config.v2 = V2Policy::Require;
    let mut client = MachineClient::start(config);
    assert_eq!(client.wait_gone(v1_node.addr()), DisconnectReason::V2Refused);
    client.first("synced from the v2 node", synced_at(5));
    assert!(
        client.disconnects_of(v1_node.addr()).iter().all(|r| *r == DisconnectReason::V2Refused),
        "the v1-only node is only ever offered v2"
    );
    assert_eq!(v1_node.v2_sessions(), 0);
    assert_eq!(v2_node.v2_sessions(), 1);
    // The v1-only node never saw a v1 `version`: every connection it had was a v2 key.
    assert_eq!(v1_node.count("version"), 0);
    client.stop();
}

#[test]
fn a_v1_client_is_served_by_a_v2_node() {
    let chain = SharedChain::with_blocks(8);
    let node = node(&chain, NodeTransport::V2);
    let mut config = MachineConfig::new(&[node.addr()]);
    config.v2 = V2Policy::Never;
    let mut client = MachineClient::start(config);
    client.first("synced at the tip", synced_at(8));
    assert_eq!(node.v2_sessions(), 0, "the node detected the v1 version and spoke v1");
    client.stop();
}
