// The Kotlin idioms: builders that a setter leaves unchanged, a named peer resolved by
// start(), the client's events as a Flow collected until Synced against the testkit node,
// and AutoCloseable stopping the client.
package org.dashlite.tests

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.dashlite.ClientBuilder
import org.dashlite.ClientException
import org.dashlite.Event
import org.dashlite.Network
import org.dashlite.events

fun builderReuse() {
    val base = ClientBuilder(Network.REGTEST).maxPeers(2u)
    val broken = base.maxPeers(0u)
    val badPeer = base.peer("not a peer")
    check(broken !== base) { "a setter returns a new builder" }
    assertThrows<ClientException.InvalidSetting>("0 peers") { broken.build() }
    assertThrows<ClientException.InvalidSetting>("bad peer") { badPeer.build() }
    base.build().use { client -> check(!client.syncStatus().running) { "built, not running" } }
    base.build().close()
}

fun namedPeer() = runBlocking {
    // Building never resolves: the failure shows at start.
    ClientBuilder(Network.REGTEST).peer("no-such-host.invalid").build().use { client ->
        val e = assertThrows<ClientException.PeerUnresolved>("unresolvable peer") {
            runBlocking { client.start() }
        }
        assertEquals("no-such-host.invalid", e.host, "host")
        check(!client.syncStatus().running) { "not started" }
    }
}

fun eventFlow() = runBlocking {
    val peerAddress = testPeer() ?: return@runBlocking
    val tip = System.getenv("DASHLITE_TEST_TIP").toUInt()
    val txids = System.getenv("DASHLITE_TEST_TXIDS").split(",").sorted()
    val port = peerAddress.substringAfterLast(':')
    val client = ClientBuilder(Network.REGTEST)
        .peer("localhost:$port")
        .watch(System.getenv("DASHLITE_TEST_XPUB"))
        .maxPeers(1u)
        .build()
    val seen = java.util.Collections.synchronizedList(mutableListOf<Event>())
    val untilSynced = client.events().onEach { seen.add(it) }.takeWhile { !(it is Event.Synced && it.height == tip) }
    val collected = async(start = CoroutineStart.UNDISPATCHED) { untilSynced.toList() }
    client.start()
    val events = try {
        withTimeout(WAIT_MS) { collected.await() }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw AssertionError("no Synced at $tip through the flow; it had ${seen.toList()}; status ${client.syncStatus()}")
    }
    check(events.any { it is Event.PeerConnected }) { "no PeerConnected in $events" }
    assertEquals(txids, events.filterIsInstance<Event.NewTransaction>().map { it.txid.toString() }.sorted(), "flow")
    val heights = events.filterIsInstance<Event.Progress>().map { it.status.blockHeight }
    assertEquals(heights.sorted(), heights, "progress in order")

    // Closing the client (AutoCloseable) stops it: the connections close, Stopped follows.
    val stopped = client.events()
    val stop = async(start = CoroutineStart.UNDISPATCHED) { stopped.first { it is Event.Stopped } }
    client.close()
    val event = try {
        withTimeout(WAIT_MS) { stop.await() } as Event.Stopped
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw AssertionError("closing the client did not stop it")
    }
    assertEquals(null, event.error, "stop error")
}
