package io.conceptrank;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, from the build-info.properties Maven writes (Spring-free so the CLI can print it too). */
public final class ConceptRankVersion {

    private static final String VERSION = read();

    private ConceptRankVersion() {
    }

    /** The Maven project version, or "unknown" when run from classes Maven did not build. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = ConceptRankVersion.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("build.version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
