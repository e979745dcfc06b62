package io.conceptrank.web;

import io.conceptrank.config.SecurityProperties;
import io.conceptrank.plugin.PluginRegistry;
import io.swagger.v3.oas.annotations.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipInputStream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.server.ResponseStatusException;

/** Installed plugins, the trainers' settings, and installing a plugin jar without a restart. */
@RestController
public class PluginsController {

    /** A trainer and the settings its form starts from. */
    public record TrainerInfo(String id, String name, String description, Map<String, Object> defaults,
            Map<String, String> help) {}

    private final PluginRegistry plugins;
    private final boolean installAllowed;

    public PluginsController(PluginRegistry plugins, SecurityProperties security,
            @Value("${server.address:127.0.0.1}") String address) throws IOException {
        this.plugins = plugins;
        this.installAllowed = switch (security.pluginInstall()) {
            case "on" -> true;
            case "off" -> false;
            default -> InetAddress.getByName(address).isLoopbackAddress();
        };
    }

    @GetMapping("/api/plugins")
    @Operation(summary = "Built-in and jar plugins, with the reason any of them is disabled")
    public List<PluginRegistry.Entry> list() {
        plugins.scanJars();
        return plugins.entries();
    }

    @GetMapping("/api/trainers")
    @Operation(summary = "Trainers and their default settings")
    public List<TrainerInfo> trainers() {
        return plugins.trainers().values().stream()
                .map(t -> new TrainerInfo(t.id(), t.name(), t.description(), t.defaults(), t.help()))
                .toList();
    }

    @PostMapping("/api/plugins")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Install a plugin jar into the plugins folder and load it; returns what it added")
    public List<PluginRegistry.Entry> install(@RequestParam("file") MultipartFile file) throws IOException {
        if (!installAllowed) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "plugin installation over HTTP is off: the server "
                    + "listens on a non-loopback address; set conceptrank.security.plugin-install: on to allow it");
        }
        String original = file.getOriginalFilename() == null ? "plugin.jar" : file.getOriginalFilename();
        if (!isJar(file)) {
            throw new IllegalArgumentException(original + ": not a jar (zip) file");
        }
        // The stored name is derived, never the uploaded path.
        String safe = original.replaceAll(".*[/\\\\]", "").replaceAll("[^A-Za-z0-9._-]", "_");
        if (!safe.endsWith(".jar")) {
            safe = safe + ".jar";
        }
        Path dir = Files.createDirectories(plugins.pluginsDir());
        Path target = dir.resolve(safe);
        if (Files.exists(target)) {
            throw new IllegalArgumentException(safe + " is already installed; remove it from "
                    + dir.toAbsolutePath() + " and restart to replace it");
        }
        Path tmp = Files.createTempFile(dir, ".upload", ".part");
        try (InputStream in = file.getInputStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return plugins.scanJars();
    }

    private static boolean isJar(MultipartFile file) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(file.getInputStream())) {
            return zip.getNextEntry() != null;
        }
    }
}
