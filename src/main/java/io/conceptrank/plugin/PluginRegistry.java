package io.conceptrank.plugin;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.Plugin;
import io.conceptrank.plugin.spi.TrainerPlugin;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainers and metrics available: the built-ins, found on the application's class path, and
 * those of each jar in the plugins folder, each jar in a class loader of its own whose parent is
 * the application's (so the SPI, the model classes and DJL's native engine are shared, parent
 * first). A jar without a service descriptor, built for another SPI version, or whose plugins fail
 * to load is listed with the reason and disabled; nothing it does takes the server down.
 */
public final class PluginRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginRegistry.class);

    /** One plugin, or one jar that yielded none, as the plugins page lists it. */
    public record Entry(String id, String name, String description, String kind, String source, String jar,
            boolean enabled, String error) {}

    private final Path pluginsDir;
    private final Map<String, MetricPlugin> metrics = new LinkedHashMap<>();
    private final Map<String, TrainerPlugin> trainers = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Path, URLClassLoader> loaders = new LinkedHashMap<>();

    public PluginRegistry(Path pluginsDir) {
        this.pluginsDir = pluginsDir;
        ClassLoader app = PluginRegistry.class.getClassLoader();
        for (MetricPlugin m : ServiceLoader.load(MetricPlugin.class, app)) {
            add(m, "metric", "builtin", null, metrics);
        }
        for (TrainerPlugin t : ServiceLoader.load(TrainerPlugin.class, app)) {
            add(t, "trainer", "builtin", null, trainers);
        }
        scanJars();
    }

    /** Loads the jars of the plugins folder not loaded yet; returns their entries. */
    public synchronized List<Entry> scanJars() {
        List<Entry> added = new ArrayList<>();
        if (pluginsDir == null || !Files.isDirectory(pluginsDir)) {
            return added;
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(pluginsDir, "*.jar")) {
            dir.forEach(jars::add);
        } catch (IOException e) {
            log.warn("cannot list plugin jars in {}: {}", pluginsDir, e.getMessage());
            return added;
        }
        jars.sort(Comparator.naturalOrder());
        for (Path jar : jars) {
            if (!loaders.containsKey(jar.toAbsolutePath())) {
                added.addAll(loadJar(jar.toAbsolutePath()));
            }
        }
        return added;
    }

    private List<Entry> loadJar(Path jar) {
        int before = entries.size();
        String name = jar.getFileName().toString();
        try {
            if (!hasDescriptor(jar)) {
                fail(name, "no plugin descriptor: the jar has no META-INF/services/"
                        + MetricPlugin.class.getName() + " or ..." + TrainerPlugin.class.getSimpleName() + " file");
                loaders.put(jar, null);
                return entries.subList(before, entries.size());
            }
            URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, PluginRegistry.class.getClassLoader());
            loaders.put(jar, loader);
            int found = loadFrom(loader, MetricPlugin.class, "metric", name, metrics)
                    + loadFrom(loader, TrainerPlugin.class, "trainer", name, trainers);
            if (found == 0 && entries.size() == before) {
                fail(name, "the jar's service files name no plugin class");
            }
        } catch (Throwable e) {
            fail(name, "cannot load: " + describe(e));
        }
        return List.copyOf(entries.subList(before, entries.size()));
    }

    private <P extends Plugin> int loadFrom(URLClassLoader loader, Class<P> type, String kind, String jar,
            Map<String, P> into) {
        int found = 0;
        var providers = ServiceLoader.load(type, loader).stream().iterator();
        while (true) {
            ServiceLoader.Provider<P> provider;
            try {
                if (!providers.hasNext()) {
                    break;
                }
                provider = providers.next();
            } catch (Throwable e) {
                fail(jar, kind + " plugin cannot be loaded: " + describe(e));
                continue;
            }
            if (provider.type().getClassLoader() != loader) {
                continue; // a built-in seen through the parent loader
            }
            try {
                add(provider.get(), kind, "jar", jar, into);
                found++;
            } catch (Throwable e) {
                fail(jar, provider.type().getName() + " cannot be created: " + describe(e));
            }
        }
        return found;
    }

    private <P extends Plugin> void add(P plugin, String kind, String source, String jar, Map<String, P> into) {
        String id;
        try {
            id = plugin.id();
            if (plugin.spiVersion() != Plugin.SPI_VERSION) {
                entries.add(new Entry(id, plugin.name(), plugin.description(), kind, source, jar, false,
                        "built for plugin SPI version " + plugin.spiVersion() + ", this server implements version "
                                + Plugin.SPI_VERSION));
                return;
            }
            if (into.containsKey(id)) {
                entries.add(new Entry(id, plugin.name(), plugin.description(), kind, source, jar, false,
                        "another " + kind + " already has the id '" + id + "'"));
                return;
            }
            entries.add(new Entry(id, plugin.name(), plugin.description(), kind, source, jar, true, null));
        } catch (Throwable e) {
            fail(jar, plugin.getClass().getName() + " failed to describe itself: " + e);
            return;
        }
        into.put(id, plugin);
        log.info("{} plugin '{}' loaded from {}", kind, id, jar == null ? "the application" : jar);
    }

    private void fail(String jar, String reason) {
        log.warn("plugin jar {} disabled: {}", jar, reason);
        entries.add(new Entry(null, jar, null, null, "jar", jar, false, reason));
    }

    /** Disables a plugin that failed while running, so one bad plugin cannot break every ranking. */
    public synchronized void disable(String id, Throwable error) {
        metrics.remove(id);
        trainers.remove(id);
        entries.replaceAll(e -> id.equals(e.id()) && e.enabled()
                ? new Entry(e.id(), e.name(), e.description(), e.kind(), e.source(), e.jar(), false,
                        "disabled after an error: " + error)
                : e);
    }

    /** The messages along a throwable's cause chain: a plugin's own exception is usually the last. */
    private static String describe(Throwable e) {
        StringBuilder out = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            out.append("; caused by ").append(c);
        }
        return out.toString();
    }

    private static boolean hasDescriptor(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getEntry("META-INF/services/" + MetricPlugin.class.getName()) != null
                    || file.getEntry("META-INF/services/" + TrainerPlugin.class.getName()) != null;
        }
    }

    public Path pluginsDir() {
        return pluginsDir;
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    public synchronized List<MetricPlugin> metrics() {
        return List.copyOf(metrics.values());
    }

    public synchronized Map<String, TrainerPlugin> trainers() {
        return Map.copyOf(trainers);
    }

    @Override
    public synchronized void close() {
        for (URLClassLoader loader : loaders.values()) {
            try {
                if (loader != null) {
                    loader.close();
                }
            } catch (IOException ignored) {
                // the jar stays open until exit
            }
        }
    }
}
