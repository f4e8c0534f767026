"""The client through the Python bindings, on a testkit node that ffi/tests/bindings.rs
starts: build, start, events through both the pull API (`next_event`) and a listener, sync,
balance and transactions, typed errors, stop. asyncio drives dashlite's futures.

The node and what its chain holds come from the environment (DASHLITE_TEST_PEER, _XPUB,
_TIP, _BALANCE, _TXIDS, and the masternode list its tip commits to: _DIP3_HEIGHT, _MN_BLOCK,
_MN_VALID, _MN_ENTRIES, _QUORUMS); without it (the suite run by hand) these tests are skipped.
"""

import asyncio
import os
import threading
import time
import unittest

from dashlite import (
    Birthday,
    ClientBuilder,
    ClientError,
    Event,
    EventListener,
    MasternodeType,
    Network,
    TxStatus,
    Txid,
)

PEER = os.environ.get("DASHLITE_TEST_PEER")
WAIT = 60  # seconds; only stops a broken run from hanging


class Heard(EventListener):
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def on_event(self, event):
        with self.lock:
            self.events.append(event)

    def snapshot(self):
        with self.lock:
            return list(self.events)


@unittest.skipUnless(PEER, "no testkit node (DASHLITE_TEST_PEER): run through cargo test")
class ClientTests(unittest.TestCase):
    def setUp(self):
        self.xpub = os.environ["DASHLITE_TEST_XPUB"]
        self.tip = int(os.environ["DASHLITE_TEST_TIP"])
        self.balance = int(os.environ["DASHLITE_TEST_BALANCE"])
        self.txids = sorted(os.environ["DASHLITE_TEST_TXIDS"].split(","))
        self.spend = bytes.fromhex(os.environ["DASHLITE_TEST_SPEND"])
        self.spend_txid = Txid.parse(os.environ["DASHLITE_TEST_SPEND_TXID"])
        self.spend_value = int(os.environ["DASHLITE_TEST_SPEND_VALUE"])

    def test_sync_with_pulled_and_pushed_events_then_stop(self):
        asyncio.run(self.scenario())

    async def scenario(self):
        client = ClientBuilder(Network.REGTEST).peer(PEER).watch(self.xpub).max_peers(1).seed(7).build()
        self.assertEqual(client.network(), Network.REGTEST)
        self.assertFalse(client.sync_status().running)
        heard = Heard()
        subscription = client.subscribe(heard)

        pulled = []

        async def pull():
            while True:
                event = await client.next_event()
                if event is None:
                    return
                pulled.append(event)
                if isinstance(event, Event.SYNCED) and event.height == self.tip:
                    return

        puller = asyncio.ensure_future(pull())
        await asyncio.sleep(0)  # the task polls next_event once: the stream exists from here
        await client.start()
        with self.assertRaises(ClientError.AlreadyRunning):
            await client.start()
        await asyncio.wait_for(puller, WAIT)

        self.assertTrue(any(isinstance(e, Event.PEER_CONNECTED) for e in pulled), pulled)
        new = [e for e in pulled if isinstance(e, Event.NEW_TRANSACTION)]
        self.assertEqual(sorted(str(e.txid) for e in new), self.txids)
        self.assertTrue(all(e.net_amount > 0 for e in new))

        status = client.sync_status()
        self.assertTrue(status.synced and status.running)
        self.assertEqual((status.header_height, status.block_height, status.peers), (self.tip, self.tip, 1))

        balance = await client.balance()
        self.assertEqual((balance.total, balance.confirmed, balance.unconfirmed_incoming), (self.balance, self.balance, 0))
        txs = await client.transactions()
        self.assertEqual(sorted(str(t.txid) for t in txs), self.txids)
        self.assertEqual(sum(t.net_amount for t in txs), self.balance)
        for t in txs:
            self.assertIsInstance(t.status, TxStatus.CONFIRMED)
            self.assertEqual(t.confirmations, self.tip - t.status.height + 1)
            self.assertEqual(len(str(t.status.block_hash)), 64)
            self.assertEqual(t.transaction.txid(), t.txid)
        utxos = await client.utxos()
        self.assertEqual(sum(u.value for u in utxos), self.balance)
        self.assertTrue(all(u.address.startswith("y") for u in utxos))
        sporks = await client.sporks()
        self.assertIn("SPORK_2_INSTANTSEND_ENABLED", [s.name for s in sporks])
        self.assertEqual(await client.proposals(), [])

        # Watch items at run time; a broadcast of a spend of a wallet output.
        self.assertTrue(await client.add_watch("yWKAgManMv2s3gghLzqWJngNe6xE6gdG3g", None))
        self.assertFalse(await client.add_watch("yWKAgManMv2s3gghLzqWJngNe6xE6gdG3g", None))
        with self.assertRaises(ClientError.WatchItem):
            await client.add_watch("nonsense", 0)
        with self.assertRaises(ClientError.BadTransaction):
            await client.broadcast(b"\x01\x02\x03")
        self.assertEqual(await client.broadcast(self.spend), self.spend_txid)
        balance = await client.balance()
        self.assertEqual(balance.unconfirmed_outgoing, self.spend_value)
        self.assertEqual(balance.total, self.balance - self.spend_value)
        spend = [t for t in await client.transactions() if t.txid == self.spend_txid]
        self.assertEqual(spend[0].net_amount, -self.spend_value)
        self.assertEqual(spend[0].status, TxStatus.UNCONFIRMED())

        await client.stop()
        with self.assertRaises(ClientError.NotRunning):
            await client.stop()
        self.assertFalse(client.sync_status().running)

        # The listener heard the same sync, on dashlite's thread, ending with Stopped.
        deadline = time.monotonic() + WAIT
        while not any(isinstance(e, Event.STOPPED) for e in heard.snapshot()):
            self.assertLess(time.monotonic(), deadline, "the listener got no Stopped event")
            await asyncio.sleep(0.02)
        events = heard.snapshot()
        self.assertTrue(any(isinstance(e, Event.SYNCED) and e.height == self.tip for e in events))
        self.assertEqual(
            sorted(str(e.txid) for e in events if isinstance(e, Event.NEW_TRANSACTION)),
            sorted(self.txids + [str(self.spend_txid)]),
        )
        stopped = [e for e in events if isinstance(e, Event.STOPPED)]
        self.assertIsNone(stopped[0].error)

        # Cancelled: nothing more is delivered.
        self.assertTrue(subscription.is_open())
        subscription.cancel()
        self.assertFalse(subscription.is_open())
        n = len(heard.snapshot())
        await client.start()
        await client.stop()
        await asyncio.sleep(0.1)
        self.assertEqual(len(heard.snapshot()), n)
        # The queries still answer on a stopped client.
        self.assertEqual((await client.balance()).total, self.balance - self.spend_value)
        with self.assertRaises(ClientError.NotRunning):
            await client.broadcast(self.spend)


@unittest.skipUnless(PEER, "no testkit node (DASHLITE_TEST_PEER): run through cargo test")
class MasternodeListTests(unittest.TestCase):
    """The verified masternode list and quorums against the list the fixture's tip commits to.

    DASHLITE_TEST_MN_ENTRIES holds one
    `proRegTxHash|service|operator key|voting key id|regular or evo|valid` per masternode and
    DASHLITE_TEST_QUORUMS one `type name|quorum hash|index|public key` per quorum, in list order.
    """

    def setUp(self):
        self.xpub = os.environ["DASHLITE_TEST_XPUB"]
        self.tip = int(os.environ["DASHLITE_TEST_TIP"])
        self.dip3 = int(os.environ["DASHLITE_TEST_DIP3_HEIGHT"])
        self.block = os.environ["DASHLITE_TEST_MN_BLOCK"]
        self.valid = int(os.environ["DASHLITE_TEST_MN_VALID"])
        self.entries = os.environ["DASHLITE_TEST_MN_ENTRIES"].split(",")
        self.quorums = os.environ["DASHLITE_TEST_QUORUMS"].split(",")

    def test_the_synced_list_and_quorums_are_the_fixtures(self):
        asyncio.run(self.scenario())

    async def scenario(self):
        builder = ClientBuilder(Network.REGTEST).peer(PEER).watch(self.xpub).max_peers(1)
        client = builder.regtest_dip3_height(self.dip3).build()
        self.assertIsNone(await client.masternode_list())
        self.assertEqual(await client.quorums(), [])

        async def updated_at_tip():
            while True:
                event = await client.next_event()
                self.assertIsNotNone(event, "the event stream ended before the list reached the tip")
                if isinstance(event, Event.MASTERNODE_LIST_UPDATED) and event.height == self.tip:
                    return event

        waiter = asyncio.ensure_future(updated_at_tip())
        await asyncio.sleep(0)
        await client.start()
        event = await asyncio.wait_for(waiter, WAIT)
        self.assertEqual(str(event.block_hash), self.block)
        self.assertEqual((event.masternodes, event.valid, event.quorums), (len(self.entries), self.valid, len(self.quorums)))

        mn_list = await client.masternode_list()
        self.assertIsNotNone(mn_list)
        self.assertEqual((mn_list.height, str(mn_list.block_hash)), (self.tip, self.block))
        self.assertEqual((mn_list.entry_count, mn_list.valid_count), (len(self.entries), self.valid))
        self.assertLess(mn_list.valid_count, mn_list.entry_count)
        kinds = {MasternodeType.REGULAR: "regular", MasternodeType.EVO: "evo"}
        got = [
            "|".join([
                str(m.pro_reg_tx_hash),
                m.service or "",
                m.operator_public_key,
                m.voting_key_id,
                kinds[m.kind],
                "true" if m.valid else "false",
            ])
            for m in mn_list.entries
        ]
        self.assertEqual(got, self.entries)
        self.assertEqual(sum(1 for m in mn_list.entries if m.valid), self.valid)
        self.assertIn(MasternodeType.EVO, [m.kind for m in mn_list.entries])

        quorums = await client.quorums()
        got = ["|".join([q.type_name, str(q.quorum_hash), str(q.quorum_index), q.public_key]) for q in quorums]
        self.assertEqual(got, self.quorums)
        for q in quorums:
            self.assertTrue(q.verified, q)
            self.assertEqual((q.type_name, q.llmq_type), ("llmq_test", 100))

        await client.stop()
        # The list outlives the run.
        self.assertEqual(await client.masternode_list(), mn_list)


class BuilderErrorTests(unittest.TestCase):
    def test_bad_input_is_a_typed_error_with_fields(self):
        with self.assertRaises(ClientError.WatchItem) as cm:
            ClientBuilder(Network.REGTEST).watch("not an address").build()
        self.assertEqual((cm.exception.item, cm.exception.network), ("not an address", Network.REGTEST))
        with self.assertRaises(ClientError.InvalidSetting) as cm:
            ClientBuilder(Network.REGTEST).max_peers(0).build()
        self.assertEqual(cm.exception.setting, "max_peers")
        with self.assertRaises(ClientError.InvalidSetting) as cm:
            ClientBuilder(Network.REGTEST).peer("127.0.0.1:notaport").build()
        self.assertEqual(cm.exception.setting, "peer")
        with self.assertRaises(ClientError.BirthdayTooEarly) as cm:
            ClientBuilder(Network.MAINNET).birthday(Birthday.HEIGHT(1000)).build()
        self.assertEqual((cm.exception.birthday, cm.exception.network), (1000, Network.MAINNET))
        # Every variant is a ClientError.
        with self.assertRaises(ClientError):
            ClientBuilder(Network.REGTEST).false_positive_rate(2.0).build()

    def test_stop_before_start_is_not_running(self):
        client = ClientBuilder(Network.REGTEST).build()
        with self.assertRaises(ClientError.NotRunning):
            asyncio.run(client.stop())
        self.assertEqual(asyncio.run(client.balance()).total, 0)


if __name__ == "__main__":
    unittest.main()
