use super::*;

#[test]
fn birthdays_start_from_the_last_usable_checkpoint_before_them() {
    let params = Network::Mainnet.params();
    let records = params.checkpoint_records();
    // Only a record with its embedded difficulty window is a usable start: on mainnet
    // 1,741,824, although newer records exist.
    let windowed = *records.iter().find(|r| r.height == 1_741_824).unwrap();
    assert!(records.last().unwrap().height > windowed.height);
    // No birthday: a new wallet starts at the newest usable checkpoint.
    let (start, from) = resolve_start(params, None, &records).unwrap();
    assert_eq!((start.height, from), (windowed.height, windowed.height));
    assert_eq!(start.hash, start.header.block_hash());
    // A later height: headers from the record, blocks from the height.
    let (start, from) = resolve_start(params, Some(Birthday::Height(2_000_000)), &records).unwrap();
    assert_eq!((start.height, from), (windowed.height, 2_000_000));
    // A height exactly at the record: block `h` can pay the wallet, so headers must start
    // below it; no usable record is, and mainnet cannot start from genesis.
    match resolve_start(params, Some(Birthday::Height(windowed.height)), &records) {
        Err(ClientError::BirthdayTooEarly { earliest, .. }) => {
            assert_eq!(earliest, windowed.height + 1)
        }
        other => panic!("{other:?}"),
    }
    // Records without a window are refused even where they would be the closer start.
    let other = *records.iter().rev().find(|r| r.height < 1_000_000).unwrap();
    assert!(resolve_start(params, Some(Birthday::Height(1_000_000)), &records).is_err());
    assert!(resolve_start(params, None, &[other]).is_err());
    // A time: the last usable record at least the margin older; blocks from that record.
    let t = u64::from(windowed.header.time) + BIRTHDAY_MARGIN_SECS;
    let (start, from) = resolve_start(params, Some(Birthday::Time(t)), &records).unwrap();
    assert_eq!((start.height, from), (windowed.height, windowed.height));
    assert!(resolve_start(params, Some(Birthday::Time(t - 1)), &records).is_err());
}

#[test]
fn testnet_records_without_a_window_are_passed_over_for_genesis() {
    let params = Network::Testnet.params();
    let records = params.checkpoint_records();
    let (start, from) = resolve_start(params, None, &records).unwrap();
    assert_eq!((start.height, from), (946_944, 946_944));
    let (start, from) = resolve_start(params, Some(Birthday::Height(900_000)), &records).unwrap();
    assert_eq!((start.height, from), (0, 900_000), "no usable record below 900,000");
    let (start, _) = resolve_start(params, Some(Birthday::Height(1_200_000)), &records).unwrap();
    assert_eq!(start.height, 946_944);
}

#[test]
fn birthdays_before_darkgravitywave_on_mainnet_are_refused_with_the_earliest_height() {
    let params = Network::Mainnet.params();
    let records = params.checkpoint_records();
    match resolve_start(params, Some(Birthday::Height(20_000)), &records) {
        Err(ClientError::BirthdayTooEarly { birthday: 20_000, earliest, .. }) => {
            assert!(earliest >= params.pow.dgw_height)
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        resolve_start(params, Some(Birthday::Time(1_392_000_000)), &records),
        Err(ClientError::BirthdayTooEarly { .. })
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
