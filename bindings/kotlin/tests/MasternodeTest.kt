// The verified masternode list and its quorums through the Kotlin bindings, on the testkit
// node that ffi/tests/bindings.rs starts, checked against the list the fixture's tip commits
// to: DASHLITE_TEST_MN_ENTRIES holds one
// `proRegTxHash|service|operator key|voting key id|regular or evo|valid` per masternode and
// DASHLITE_TEST_QUORUMS one `type name|quorum hash|index|public key` per quorum, in list order.
// Without DASHLITE_TEST_PEER (a run by hand) the scenario is skipped.
package org.dashlite.tests

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.dashlite.ClientBuilder
import org.dashlite.Event
import org.dashlite.MasternodeType
import org.dashlite.Network

fun masternodeList() = runBlocking {
    val peerAddress = testPeer() ?: return@runBlocking
    val xpub = System.getenv("DASHLITE_TEST_XPUB")
    val tip = System.getenv("DASHLITE_TEST_TIP").toUInt()
    val dip3 = System.getenv("DASHLITE_TEST_DIP3_HEIGHT").toUInt()
    val block = System.getenv("DASHLITE_TEST_MN_BLOCK")
    val valid = System.getenv("DASHLITE_TEST_MN_VALID").toUInt()
    val entries = System.getenv("DASHLITE_TEST_MN_ENTRIES").split(",")
    val quorumEntries = System.getenv("DASHLITE_TEST_QUORUMS").split(",")

    ClientBuilder(Network.REGTEST).peer(peerAddress).watch(xpub).maxPeers(1u)
        .regtestDip3Height(dip3).build().use { client ->
            assertEquals(null, client.masternodeList(), "list before start")
            assertEquals(0, client.quorums().size, "quorums before start")

            val updated = async(start = CoroutineStart.UNDISPATCHED) {
                var found: Event.MasternodeListUpdated? = null
                while (found == null) {
                    val event = client.nextEvent() ?: throw AssertionError("events ended before the list reached the tip")
                    if (event is Event.MasternodeListUpdated && event.height == tip) found = event
                }
                found
            }
            client.start()
            val event = withTimeout(WAIT_MS) { updated.await() }
            assertEquals(block, event.blockHash.toString(), "event block hash")
            assertEquals(entries.size.toUInt(), event.masternodes, "event masternodes")
            assertEquals(valid, event.valid, "event valid")
            assertEquals(quorumEntries.size.toUInt(), event.quorums, "event quorums")

            val list = client.masternodeList() ?: throw AssertionError("no list after MasternodeListUpdated")
            assertEquals(tip, list.height, "list height")
            assertEquals(block, list.blockHash.toString(), "list block hash")
            assertEquals(entries.size.toUInt(), list.entryCount, "entry count")
            assertEquals(valid, list.validCount, "valid count")
            check(list.validCount < list.entryCount) { "no PoSe-banned entry in $list" }
            val got = list.entries.map {
                val kind = when (it.kind) {
                    MasternodeType.REGULAR -> "regular"
                    MasternodeType.EVO -> "evo"
                }
                listOf(it.proRegTxHash.toString(), it.service ?: "", it.operatorPublicKey, it.votingKeyId, kind, it.valid.toString())
                    .joinToString("|")
            }
            assertEquals(entries, got, "entries")
            assertEquals(valid.toInt(), list.entries.count { it.valid }, "valid entries")
            check(list.entries.any { it.kind == MasternodeType.EVO }) { "no Evo masternode" }

            val quorums = client.quorums()
            val gotQuorums = quorums.map {
                listOf(it.typeName, it.quorumHash.toString(), it.quorumIndex.toString(), it.publicKey).joinToString("|")
            }
            assertEquals(quorumEntries, gotQuorums, "quorums")
            for (q in quorums) {
                check(q.verified) { "quorum $q does not verify" }
                assertEquals("llmq_test", q.typeName, "quorum type name")
                assertEquals(100.toUByte(), q.llmqType, "quorum type")
            }

            client.stop()
            assertEquals(list, client.masternodeList(), "list after stop")
        }
}
