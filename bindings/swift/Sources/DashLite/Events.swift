// Swift idioms over the generated bindings (DashLite.swift, in the same module): the client's
// events as an AsyncStream. Written by hand; bindings/generate.sh leaves it alone.
//
// Releasing the last reference to a `Client` (its `deinit`) stops it: the connections close
// and the state is saved, and streams and listeners see `.stopped`.

/// Forwards each event to an `AsyncStream` continuation.
private final class StreamListener: EventListener, @unchecked Sendable {
    private let continuation: AsyncStream<Event>.Continuation

    init(_ continuation: AsyncStream<Event>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: Event) {
        continuation.yield(event)
    }
}

extension Client {
    /// The client's events from this call on, as an `AsyncStream` for one consumer.
    ///
    /// The subscription is made by this call, so every event after it is in the stream (call
    /// it before `start()` to see the whole sync). Ending the iteration (a `break`, a
    /// cancelled task) cancels the subscription. Events come from the subscription's
    /// delivery thread; the stream holds up to `capacity` unread events and drops the
    /// newest beyond that (re-read the state with the client's queries after a gap).
    public func events(capacity: Int = 1024) -> AsyncStream<Event> {
        AsyncStream(bufferingPolicy: .bufferingOldest(capacity)) { continuation in
            let subscription = self.subscribe(listener: StreamListener(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }
}
