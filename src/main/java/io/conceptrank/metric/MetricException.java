package io.conceptrank.metric;

/** The metric a ranking was asked to order by failed, so there is no order to give. */
public final class MetricException extends RuntimeException {

    private final String metricId;

    public MetricException(String metricId, String message, Throwable cause) {
        super("metric '" + metricId + "' failed: " + message, cause);
        this.metricId = metricId;
    }

    public String metricId() {
        return metricId;
    }
}
