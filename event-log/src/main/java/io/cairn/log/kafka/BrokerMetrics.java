package io.cairn.log.kafka;

/**
 * What the broker tells a metrics system about the requests it serves: a hook with no metrics library behind it, so
 * that the event log stays free of one (the server implements it with MicroProfile Metrics). Set it with
 * {@link KafkaBrokerConfig.Builder#metrics(BrokerMetrics)}.
 *
 * <p>APIs are named as Kafka names them ({@code Produce}, {@code Fetch}, {@code Metadata}, ...) and errors by Kafka's
 * error code names ({@code UNKNOWN_TOPIC_OR_PARTITION}, ...), the names Kafka's own tooling shows.
 *
 * <p>Called on the broker's worker threads, once per request, after the response is built: implementations must be
 * thread-safe and quick, and should not throw (the broker logs and ignores what they throw).
 */
public interface BrokerMetrics {

    /**
     * A request was answered.
     *
     * @param api           the request's API
     * @param nanos         from the start of processing to the response being handed to the network (a Fetch that
     *                      waits for data, up to its {@code max.wait.ms}, includes the wait, as Kafka's own request
     *                      latency does)
     * @param requestBytes  size of the request on the wire
     * @param responseBytes size of the response on the wire; 0 when there is none ({@code acks=0} produce)
     */
    void requestCompleted(String api, long nanos, int requestBytes, long responseBytes);

    /** The response to a request of {@code api} carried {@code count} errors with code {@code error}. */
    void requestErrors(String api, String error, int count);
}
