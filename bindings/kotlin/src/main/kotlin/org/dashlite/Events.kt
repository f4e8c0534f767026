// Kotlin idioms over the generated bindings (dashlite.kt, which this file is compiled with):
// the client's events as a Flow. Written by hand; bindings/generate.sh leaves it alone.
package org.dashlite

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.consumeAsFlow
import kotlinx.coroutines.flow.onCompletion

/**
 * The client's events from this call on, as a [Flow] for one collector.
 *
 * The subscription is made by this call, so every event after it is in the flow (call it
 * before [Client.start] to see the whole sync). The flow ends when its collection ends
 * (cancelled, or a terminal operator such as `first {}` or `takeWhile {}`), which cancels
 * the subscription; an uncollected flow keeps its subscription until [Subscription] delivery
 * ends with the client.
 *
 * Events come from the subscription's delivery thread (never a protocol thread). Up to
 * [capacity] wait for a slow collector; then the delivery thread waits, the client queues up
 * to 1024 more for it, and beyond that drops the newest and sends one [Event.Lagged].
 *
 * Closing the client ([Client.close], `use {}`) stops it: the flow then sees [Event.Stopped].
 */
fun Client.events(capacity: Int = 64): Flow<Event> {
    val channel = Channel<Event>(capacity)
    val subscription = subscribe(object : EventListener {
        override fun onEvent(event: Event) {
            // Fails at once, without waiting, once the collection has ended.
            channel.trySendBlocking(event)
        }
    })
    return channel.consumeAsFlow().onCompletion {
        subscription.cancel()
        subscription.close()
    }
}
