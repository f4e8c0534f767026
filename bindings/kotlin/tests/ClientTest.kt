// The client through the Kotlin bindings, on a testkit node that ffi/tests/bindings.rs
// starts: build, start, events through both the pull API (nextEvent) and a listener, sync,
// balance and transactions, typed errors, stop. Kotlin coroutines drive dashlite's futures.
// The node and its chain's figures come from DASHLITE_TEST_* variables; without them (a run
// by hand) the scenario is skipped and only the builder errors are checked.
package org.dashlite.tests

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.dashlite.Birthday
import org.dashlite.ClientBuilder
import org.dashlite.ClientException
import org.dashlite.Event
import org.dashlite.EventListener
import org.dashlite.Network
import org.dashlite.TxStatus
import org.dashlite.Txid

const val WAIT_MS = 60_000L // only stops a broken run from hanging

class Heard : EventListener {
    val events = java.util.Collections.synchronizedList(mutableListOf<Event>())

    override fun onEvent(event: Event) {
        events.add(event)
    }

    fun snapshot(): List<Event> = synchronized(events) { events.toList() }
}

fun clientErrors() {
    val watch = assertThrows<ClientException.WatchItem>("not an address") {
        ClientBuilder(Network.REGTEST).watch("not an address").build()
    }
    assertEquals("not an address", watch.item, "watch item")
    assertEquals(Network.REGTEST, watch.network, "watch network")
    val peers = assertThrows<ClientException.InvalidSetting>("0 peers") {
        ClientBuilder(Network.REGTEST).maxPeers(0u).build()
    }
    assertEquals("max_peers", peers.setting, "setting")
    val peer = assertThrows<ClientException.InvalidSetting>("bad peer") {
        ClientBuilder(Network.REGTEST).peer("127.0.0.1:notaport").build()
    }
    assertEquals("peer", peer.setting, "setting")
    val early = assertThrows<ClientException.BirthdayTooEarly>("mainnet height 1000") {
        ClientBuilder(Network.MAINNET).birthday(Birthday.Height(1000u)).build()
    }
    assertEquals(1000u, early.birthday, "birthday")
    assertThrows<ClientException>("rate 2") { ClientBuilder(Network.REGTEST).falsePositiveRate(2.0).build() }
    ClientBuilder(Network.REGTEST).build().use { client ->
        assertThrows<ClientException.NotRunning>("stop before start") { runBlocking { client.stop() } }
        assertEquals(0L, runBlocking { client.balance() }.total, "empty balance")
    }
}

fun clientSync() = runBlocking {
    val peerAddress = testPeer() ?: return@runBlocking
    val xpub = System.getenv("DASHLITE_TEST_XPUB")
    val tip = System.getenv("DASHLITE_TEST_TIP").toUInt()
    val expectedBalance = System.getenv("DASHLITE_TEST_BALANCE").toLong()
    val txids = System.getenv("DASHLITE_TEST_TXIDS").split(",").sorted()
    val spendRaw = hex(System.getenv("DASHLITE_TEST_SPEND"))
    val spendTxid = Txid.parse(System.getenv("DASHLITE_TEST_SPEND_TXID"))
    val spendValue = System.getenv("DASHLITE_TEST_SPEND_VALUE").toLong()

    val client = ClientBuilder(Network.REGTEST).peer(peerAddress).watch(xpub).maxPeers(1u).seed(7uL).build()
    assertEquals(Network.REGTEST, client.network(), "network")
    val heard = Heard()
    val subscription = client.subscribe(heard)

    val pulled = mutableListOf<Event>()
    // UNDISPATCHED: the coroutine runs into nextEvent() (which makes the stream) before
    // launch returns, so the pull API sees every event from start().
    val puller = launch(start = CoroutineStart.UNDISPATCHED) {
        while (true) {
            val event = client.nextEvent() ?: break
            pulled.add(event)
            if (event is Event.Synced && event.height == tip) break
        }
    }
    client.start()
    assertThrows<ClientException.AlreadyRunning>("second start") { runBlocking { client.start() } }
    withTimeout(WAIT_MS) { puller.join() }

    check(pulled.any { it is Event.PeerConnected }) { "no PeerConnected in $pulled" }
    val new = pulled.filterIsInstance<Event.NewTransaction>()
    assertEquals(txids, new.map { it.txid.toString() }.sorted(), "pulled new transactions")

    val status = client.syncStatus()
    check(status.synced && status.running) { "status $status" }
    assertEquals(tip, status.headerHeight, "header height")
    assertEquals(tip, status.blockHeight, "block height")
    assertEquals(1u, status.peers, "peers")

    val balance = client.balance()
    assertEquals(expectedBalance, balance.total, "balance")
    assertEquals(expectedBalance, balance.confirmed, "confirmed balance")
    val txs = client.transactions()
    assertEquals(txids, txs.map { it.txid.toString() }.sorted(), "transactions")
    assertEquals(expectedBalance, txs.sumOf { it.netAmount }, "net amounts")
    for (t in txs) {
        val confirmed = t.status as? TxStatus.Confirmed ?: throw AssertionError("${t.txid} is ${t.status}")
        assertEquals(tip - confirmed.height + 1u, t.confirmations, "confirmations")
        assertEquals(t.txid, t.transaction.txid(), "transaction object")
    }
    assertEquals(expectedBalance, client.utxos().sumOf { it.value }, "utxos")
    check(client.sporks().any { it.name == "SPORK_2_INSTANTSEND_ENABLED" && it.id == 10001 }) { "sporks" }
    assertEquals(0, client.proposals().size, "proposals")

    // Watch items at run time; a broadcast of a spend of a wallet output.
    check(client.addWatch("yWKAgManMv2s3gghLzqWJngNe6xE6gdG3g", null)) { "new watch item" }
    check(!client.addWatch("yWKAgManMv2s3gghLzqWJngNe6xE6gdG3g", null)) { "known watch item" }
    assertThrows<ClientException.WatchItem>("nonsense") { runBlocking { client.addWatch("nonsense", 0u) } }
    assertThrows<ClientException.BadTransaction>("3 bytes") { runBlocking { client.broadcast(byteArrayOf(1, 2, 3)) } }
    assertEquals(spendTxid, client.broadcast(spendRaw), "broadcast txid")
    val after = client.balance()
    assertEquals(spendValue, after.unconfirmedOutgoing, "unconfirmed outgoing")
    assertEquals(expectedBalance - spendValue, after.total, "balance after the spend")
    val spend = client.transactions().first { it.txid == spendTxid }
    assertEquals(-spendValue, spend.netAmount, "spend amount")
    assertEquals(TxStatus.Unconfirmed, spend.status, "spend status")

    client.stop()
    assertThrows<ClientException.NotRunning>("second stop") { runBlocking { client.stop() } }

    // The listener heard the same sync, on a dashlite thread, ending with Stopped.
    withTimeout(WAIT_MS) {
        while (heard.snapshot().none { it is Event.Stopped }) delay(20)
    }
    val events = heard.snapshot()
    check(events.any { it is Event.Synced && it.height == tip }) { "listener: no Synced" }
    assertEquals((txids + spendTxid.toString()).sorted(), events.filterIsInstance<Event.NewTransaction>().map { it.txid.toString() }.sorted(), "heard")
    assertEquals(null, events.filterIsInstance<Event.Stopped>().first().error, "stop error")

    check(subscription.isOpen()) { "subscription open" }
    subscription.cancel()
    check(!subscription.isOpen()) { "subscription cancelled" }
    val n = heard.snapshot().size
    client.start()
    client.stop()
    delay(100)
    assertEquals(n, heard.snapshot().size, "events after cancel")
    assertEquals(expectedBalance - spendValue, client.balance().total, "balance when stopped")
    assertThrows<ClientException.NotRunning>("broadcast when stopped") { runBlocking { client.broadcast(spendRaw) } }
    subscription.close()
    client.close()
}
