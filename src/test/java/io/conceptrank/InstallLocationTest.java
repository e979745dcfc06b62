package io.conceptrank;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallLocationTest {

    @TempDir
    Path tmp;

    @Test
    void theWorkingDirectoryComesFirst() throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("cwd/models"));
        Path install = Files.createDirectories(tmp.resolve("install/models"));
        InstallLocation.Found found = InstallLocation.find(Path.of("models"), tmp.resolve("cwd"),
                Optional.of(install.getParent()));
        assertThat(found.path()).isEqualTo(cwd);
        assertThat(found.exists()).isTrue();
        assertThat(found.looked()).containsExactly(cwd, install);
    }

    @Test
    void besideTheJarWhenTheWorkingDirectoryHasNone() throws Exception {
        Path install = Files.createDirectories(tmp.resolve("install/models"));
        InstallLocation.Found found = InstallLocation.find(Path.of("models"), tmp.resolve("elsewhere"),
                Optional.of(install.getParent()));
        assertThat(found.path()).isEqualTo(install);
        assertThat(found.describe("models")).isEqualTo("models at " + install + " (looked in "
                + tmp.resolve("elsewhere/models") + ", " + install + ")");
    }

    @Test
    void aboveTheBuildFolderForAJarInTarget() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Path models = Files.createDirectories(repo.resolve("models/toy"));
        Path target = Files.createDirectories(repo.resolve("target"));
        InstallLocation.Found fromJar = InstallLocation.find(Path.of("models/toy"), tmp, Optional.of(target));
        assertThat(fromJar.path()).isEqualTo(models);
        InstallLocation.Found fromClasses = InstallLocation.find(Path.of("models/toy"), tmp,
                Optional.of(Files.createDirectories(target.resolve("classes"))));
        assertThat(fromClasses.path()).isEqualTo(models);
        assertThat(fromClasses.looked()).containsExactly(tmp.resolve("models/toy"), target.resolve("models/toy"), models);
    }

    @Test
    void missingEverywhereSaysWhereItLooked() {
        InstallLocation.Found found = InstallLocation.find(Path.of("models"), tmp.resolve("a"), Optional.of(tmp.resolve("b")));
        assertThat(found.exists()).isFalse();
        assertThat(found.path()).isEqualTo(tmp.resolve("a/models"));
        assertThat(found.describe("models")).isEqualTo("models not found; using " + tmp.resolve("a/models")
                + " (looked in " + tmp.resolve("a/models") + ", " + tmp.resolve("b/models") + ")");
        assertThat(InstallLocation.find(tmp.resolve("abs"), tmp, Optional.empty()).looked()).isEqualTo(List.of(tmp.resolve("abs")));
    }

    @Test
    void theTestBuildFindsTheShippedToyPackage() {
        // run from anywhere, the classes in target/classes lead to the repository's models/
        Optional<Path> code = InstallLocation.codeDir();
        assertThat(code).isPresent();
        InstallLocation.Found found = InstallLocation.find(Path.of("models/toy"), tmp, code);
        assertThat(found.exists()).isTrue();
        assertThat(found.path().resolve("model.json")).exists();
    }
}
