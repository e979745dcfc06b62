/**
 * The plugin SPI: what a trainer or metric plugin implements and what the host hands it.
 *
 * <p>Plugins are found with {@link java.util.ServiceLoader}: a jar lists its implementations in
 * {@code META-INF/services/io.conceptrank.plugin.spi.MetricPlugin} (or {@code ...TrainerPlugin}).
 * The host loads each jar in its own class loader with this package, the rest of
 * {@code io.conceptrank} and DJL taken from the host (parent first), so a plugin sees the same
 * model classes and native engine as the server. A plugin built for another
 * {@link Plugin#SPI_VERSION} is refused with a message; one that throws is reported and disabled.
 * The built-in trainer and metrics implement this same SPI.
 */
package io.conceptrank.plugin.spi;
