use super::*;

#[test]
fn birthdays_start_from_the_last_pinned_checkpoint_before_them() {
    let params = Network::Mainnet.params();
    let records = params.checkpoint_records();
    let at = |h: u32| *records.iter().find(|r| r.height == h).unwrap();
    // The embedded records come in pairs 576 apart; a chain starts at the earlier of a pair,
    // pinned by the later. No birthday: the newest pair.
    let newest = *records.last().unwrap();
    let (start, from) = resolve_start(params, None, &records).unwrap();
    assert_eq!((start.height, from), (newest.height - 576, newest.height - 576));
    assert_eq!(start.hash, start.header.block_hash());
    // A later height: headers from the last start below it (1,999,872 = 217 * 9,216 pins
    // 1,999,296), blocks from the height.
    let (start, from) = resolve_start(params, Some(Birthday::Height(2_000_000)), &records).unwrap();
    assert_eq!((start.height, from), (1_999_296, 2_000_000));
    assert_eq!(start.hash, at(1_999_296).hash);
    // A height exactly at a start: block `h` can pay the wallet, so headers start at the
    // pair before.
    let (start, _) = resolve_start(params, Some(Birthday::Height(1_999_296)), &records).unwrap();
    assert_eq!(start.height, 1_999_296 - 9_216);
    // A record no checkpoint pins is not a start, even where it would be the closer one.
    let (start, _) = resolve_start(params, Some(Birthday::Height(1_999_873)), &records).unwrap();
    assert_eq!(start.height, 1_999_296);
    assert!(resolve_start(params, None, &[at(1_999_872)]).is_err());
    assert!(resolve_start(params, None, &[at(1_999_296)]).is_ok());
    // A time: the last start at least the margin older; blocks from that record.
    let t = u64::from(at(1_999_296).header.time) + BIRTHDAY_MARGIN_SECS;
    let (start, from) = resolve_start(params, Some(Birthday::Time(t)), &records).unwrap();
    assert_eq!((start.height, from), (1_999_296, 1_999_296));
    let (start, _) = resolve_start(params, Some(Birthday::Time(t - 1)), &records).unwrap();
    assert_eq!(start.height, 1_999_296 - 9_216);
}

#[test]
fn testnet_birthdays_start_from_pinned_records_too() {
    let params = Network::Testnet.params();
    let records = params.checkpoint_records();
    let newest = records.last().unwrap().height;
    let (start, from) = resolve_start(params, None, &records).unwrap();
    assert_eq!((start.height, from), (newest - 576, newest - 576));
    // 9,216 pins 8,640: below it, genesis (testnet implements every rule from genesis).
    let (start, from) = resolve_start(params, Some(Birthday::Height(8_640)), &records).unwrap();
    assert_eq!((start.height, from), (0, 8_640));
    let (start, _) = resolve_start(params, Some(Birthday::Height(900_000)), &records).unwrap();
    assert_eq!(start.height, 893_952 - 576);
}

#[test]
fn birthdays_before_darkgravitywave_on_mainnet_are_refused_with_the_earliest_height() {
    let params = Network::Mainnet.params();
    let records = params.checkpoint_records();
    match resolve_start(params, Some(Birthday::Height(20_000)), &records) {
        Err(BuildError::BirthdayTooEarly { birthday: 20_000, earliest, .. }) => {
            assert!(earliest >= params.pow.dgw_height)
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        resolve_start(params, Some(Birthday::Time(1_392_000_000)), &records),
        Err(BuildError::BirthdayTooEarly { .. })
    ));
    // Without records mainnet cannot start (Kimoto Gravity Well is not implemented).
    assert!(resolve_start(params, None, &[]).is_err());
}

#[test]
fn testnet_birthdays_before_the_first_checkpoint_sync_from_genesis() {
    // Testnet has no Kimoto Gravity Well era: every rule from genesis is implemented.
    let params = Network::Testnet.params();
    let records = params.checkpoint_records();
    let (start, from) = resolve_start(params, Some(Birthday::Height(100)), &records).unwrap();
    assert_eq!((start.height, from), (0, 100));
    assert_eq!(start.hash, params.genesis_header().block_hash());
}

#[test]
fn regtest_syncs_from_genesis() {
    let params = Network::Regtest.params();
    let (start, from) = resolve_start(params, Some(Birthday::Height(150)), &[]).unwrap();
    assert_eq!((start.height, start.hash), (0, params.genesis_header().block_hash()));
    assert_eq!(from, 150);
    let (_, from) = resolve_start(params, Some(Birthday::Time(1_700_000_000)), &[]).unwrap();
    assert_eq!(from, 0);
}

#[test]
fn bad_settings_and_watch_items_get_clear_errors() {
    let e = ClientBuilder::new(Network::Regtest).false_positive_rate(1.5).build().unwrap_err();
    assert!(e.to_string().contains("false_positive_rate"), "{e}");
    let e = ClientBuilder::new(Network::Regtest).max_peers(0).build().unwrap_err();
    assert!(e.to_string().contains("max_peers"), "{e}");
    let e = ClientBuilder::new(Network::Testnet).regtest_dip3_height(2).build().unwrap_err();
    assert!(matches!(e, BuildError::InvalidSetting { setting: "regtest_dip3_height", .. }), "{e}");
    let e = WatchItem::parse("not-an-address", Network::Testnet).unwrap_err();
    assert!(e.to_string().contains("not-an-address"), "{e}");
    // A mainnet address on testnet.
    assert!(WatchItem::parse("XpESxaUmonkq8RaLLp46Brx2K39ggQe226", Network::Testnet).is_err());
    assert!(matches!(
        WatchItem::parse("XpESxaUmonkq8RaLLp46Brx2K39ggQe226", Network::Mainnet),
        Ok(WatchItem::Address(_))
    ));
}

#[test]
fn a_stopped_client_answers_queries_and_refuses_stop() {
    async_std::task::block_on(async {
        let client = ClientBuilder::new(Network::Regtest).build().unwrap();
        assert_eq!(client.balance().await.unwrap(), Balance::default());
        assert!(client.transactions().await.unwrap().is_empty());
        assert!(!client.sync_status().running);
        assert!(matches!(client.stop().await, Err(ClientError::NotRunning)));
    });
}
