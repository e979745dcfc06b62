package io.conceptrank.plugin.spi;

/** What every plugin says about itself. */
public interface Plugin {

    /** The SPI version this host implements; bump on incompatible changes. */
    int SPI_VERSION = 1;

    /** Stable identifier, lowercase with dashes, e.g. {@code subject-context}; unique across plugins. */
    String id();

    /** Display name for the UI. */
    String name();

    /** One or two sentences for the UI. */
    String description();

    /** The SPI version the plugin was built against; the host refuses other versions. */
    default int spiVersion() {
        return SPI_VERSION;
    }
}
